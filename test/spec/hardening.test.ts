import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironmentsOnly, loadProject } from '../../lib/spec/project.ts';
import { SpecError, type Problem } from '../../lib/spec/problems.ts';
import { service, tempRepo } from '../fixture.ts';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq9vXh1\nq2w3e4r5t6y7u8i9o0p\n-----END RSA PRIVATE KEY-----\n';

/** The problems of loading the repository at `root`. */
async function problemsAt(
  root: string,
  load: (root: string) => Promise<unknown> = loadProject,
): Promise<readonly Problem[]> {
  try {
    await load(root);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error('expected the repository to be rejected');
}

function withField(problems: readonly Problem[], field: string): Problem[] {
  return problems.filter((p) => p.field === field);
}

/** Replaces `from` by `to` in the environment file of `env`. */
function editEnvironment(root: string, env: string, from: string | RegExp, to: string): void {
  const file = join(root, 'environments', env, 'environment.ts');
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  expect(next, `edit of ${file}`).not.toBe(text);
  writeFileSync(file, next);
}

describe('secrets by content', () => {
  it('fails on an AWS key in config, a PEM block in env, a JWT and a password in a URL, without echoing them', async () => {
    const root = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          config: { 'app.properties': `aws.key=${AWS_KEY}\n` },
          env: {
            TLS_KEY: PEM,
            SESSION: JWT,
            DATABASE_URL: 'postgres://claims:pa55-w0rd@db.insure.example:5432/claims',
          },
        }),
      },
    });
    const problems = await problemsAt(root);
    expect(withField(problems, 'config.app.properties')[0]?.message).toBe('holds an AWS access key id in plain text');
    expect(withField(problems, 'env.TLS_KEY')[0]?.message).toBe('holds a private key block in plain text');
    expect(withField(problems, 'env.SESSION')[0]?.message).toBe('holds a JSON Web Token in plain text');
    expect(withField(problems, 'env.DATABASE_URL')[0]?.message).toBe('holds a password in a URL in plain text');
    const text = JSON.stringify(problems);
    for (const secret of [AWS_KEY, 'MIIEpAIBAAKCAQEA', JWT.slice(0, 30), 'pa55-w0rd'])
      expect(text).not.toContain(secret);
  });

  it('fails on a forge token and a random value under a secret-like name in an override', async () => {
    const token = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;
    const root = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          overrides: { dev: { env: { GIT_ACCESS: token, SIGNING_SECRET_KEY: 'q8Z!r2Lp0xW7vB4nT6yK1m' } } },
        }),
      },
    });
    const problems = await problemsAt(root);
    expect(withField(problems, 'overrides.dev.env.GIT_ACCESS')[0]?.message).toBe('holds a GitHub token in plain text');
    expect(withField(problems, 'overrides.dev.env.SIGNING_SECRET_KEY')).toHaveLength(1);
  });

  it('accepts a value listed in notSecrets with a reason, and fails on an entry that names nothing', async () => {
    const ok = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          config: { 'sample.jwt': JWT },
          notSecrets: { 'config.sample.jwt': 'the published sample token of the API docs' },
        }),
      },
    });
    await expect(loadProject(ok, { cache: false })).resolves.toBeDefined();
    const bad = tempRepo({
      apps: { 'claims-api': service('claims-api', { notSecrets: { 'config.nothing.txt': 'x' } }) },
    });
    expect(withField(await problemsAt(bad), 'notSecrets.config.nothing.txt')[0]?.message).toBe(
      'names no env var or config file of the app',
    );
  });

  it('fails on a password written into a URL of an environment file', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    editEnvironment(root, 'dev', /url: '[^']*'/, "url: 'https://admin:Sup3r-S3cret@prometheus.dev.insure.example'");
    const problems = await problemsAt(root);
    const p = withField(problems, 'observability.prometheus.url')[0];
    expect(p?.file).toBe('environments/dev/environment.ts');
    expect(p?.message).toBe('holds a password in a URL in plain text');
  });
});

describe('registries', () => {
  it('fails on an image with no registry (Docker Hub implied)', async () => {
    const root = tempRepo({ apps: { 'quote-api': service('quote-api', { image: 'quote-api' }) } });
    const p = withField(await problemsAt(root), 'image');
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toBe('names no registry, so Docker Hub would be used');
  });

  it('fails once on an image from a registry the environments do not allow, naming the allowed one', async () => {
    const root = tempRepo({ apps: { 'quote-api': service('quote-api', { image: 'ghcr.io/someone/quote-api' }) } });
    const p = withField(await problemsAt(root), 'image');
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toContain('is not from a registry dev allows (registry.insure.example');
    expect(p[0]!.fix).toContain('registry.insure.example');
  });
});

describe('environment data checked at load', () => {
  it('fails on a cron weekday alias that does not exist, for commands that load environments only', async () => {
    const root = tempRepo();
    editEnvironment(root, 'prod', "schedule: '0 18 * * 5'", "schedule: '0 18 * * funday'");
    const problems = await problemsAt(root, loadEnvironmentsOnly);
    // dr takes prod's policy, so both report it.
    const found = withField(problems, 'promotion.freezeWindows[0].schedule');
    expect(found.map((p) => p.file)).toEqual(['environments/dr/environment.ts', 'environments/prod/environment.ts']);
    const p = found[1];
    expect(p?.message).toContain('cannot resolve alias "fun"');
    expect(p?.fix).toContain('mon-sun');
  });

  it('fails on cron minute 61 in an app schedule', async () => {
    const root = tempRepo({
      apps: {
        'renewal-batch': {
          ...service('renewal-batch'),
          kind: 'cronjob',
          ports: undefined,
          health: undefined,
          schedule: '61 2 * * *',
        },
      },
    });
    expect(withField(await problemsAt(root), 'schedule')[0]?.message).toContain('got value 61 expected range 0-59');
  });

  it('fails on a zero duration, an impossible date, a bad time zone and overlapping windows', async () => {
    const root = tempRepo();
    editEnvironment(
      root,
      'uat',
      /promotion: \{/,
      `promotion: {
    freezeWindows: [
      { name: 'zero', reason: 'r', schedule: '0 18 * * 5', duration: '0h' },
      { name: 'feb', reason: 'r', start: '2026-02-30T00:00:00Z', end: '2026-03-02T00:00:00Z' },
      { name: 'a', reason: 'r', start: '2026-12-01T00:00:00Z', end: '2026-12-10T00:00:00Z', timeZone: 'Mars/Olympus' },
      { name: 'b', reason: 'r', start: '2026-12-05T00:00:00Z', end: '2026-12-20T00:00:00Z' },
      { name: 'always', reason: 'r', schedule: '0 * * * *', duration: '90m' },
    ],`,
    );
    const problems = await problemsAt(root, loadEnvironmentsOnly);
    expect(withField(problems, 'promotion.freezeWindows[0].duration')[0]?.message).toContain('not a positive duration');
    expect(withField(problems, 'promotion.freezeWindows[1].start')[0]?.message).toBe(
      'not an ISO 8601 time with offset',
    );
    expect(withField(problems, 'promotion.freezeWindows[2].timeZone')[0]?.message).toBe('not an IANA time zone');
    expect(withField(problems, 'promotion.freezeWindows[3]')[0]?.message).toBe("overlaps freezeWindows[2] ('a')");
    expect(withField(problems, 'promotion.freezeWindows[4].duration')[0]?.message).toContain('never opens');
  });

  it('fails on a cluster name that is no DNS name', async () => {
    const root = tempRepo();
    editEnvironment(root, 'sit', /name: 'sit-[^']*'/, "name: 'SIT Cluster #1'");
    const p = withField(await problemsAt(root, loadEnvironmentsOnly), 'cluster.name')[0];
    expect(p?.message).toContain('DNS-1123 subdomain');
    expect(p?.fix).toContain("'sit-cluster-1'");
  });
});

describe('values the API server or the kernel would refuse', () => {
  it('fails on CIDRs that are not addresses, and on open egress without a reason where the environment asks one', async () => {
    const root = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          network: { egress: ['10.40.0.0/33:5432', '999.40.0.0/16:5432', '0.0.0.0/0:443'] },
        }),
      },
    });
    const problems = await problemsAt(root);
    expect(withField(problems, 'network.egress[0]')[0]?.message).toContain('/33 is longer than 32 bits');
    expect(withField(problems, 'network.egress[1]')[0]?.message).toContain('not an IPv4 address');
    const open = withField(problems, 'network.egress[2]');
    expect(open).toHaveLength(1);
    expect(open[0]!.message).toMatch(/^egress to any address needs a reason in (prod|dr)$/);
    const reasoned = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          network: { egress: ['0.0.0.0/0:443'], openEgressReason: 'calls partner webhooks at any address' },
        }),
      },
    });
    await expect(loadProject(reasoned, { cache: false })).resolves.toBeDefined();
  });

  it('fails on a 1 MB env value, 0Mi of memory, a billion millicores and kube-system', async () => {
    const root = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          namespace: 'kube-system',
          env: { BIG: 'x'.repeat(1024 * 1024) },
          resources: { memory: '0Mi', cpu: '1000000000m' },
        }),
      },
    });
    const problems = await problemsAt(root);
    expect(withField(problems, 'env.BIG')[0]?.message).toContain('longer than 131072 bytes');
    expect(withField(problems, 'resources.memory')[0]?.message).toContain('no memory at all');
    expect(withField(problems, 'resources.cpu')[0]?.message).toContain('more CPU than any node has');
    expect(withField(problems, 'namespace')[0]?.message).toContain("'kube-system' belongs to the cluster itself");
    expect(JSON.stringify(problems)).not.toContain('xxxxxxxxxx');
  });
});

describe('root cause first', () => {
  it('reports a corrupt versions file alone, with no follow-on unknown-environment problems', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api', { overrides: { prod: { replicas: 4 } } }) } });
    writeFileSync(join(root, 'environments', 'prod', 'versions.json'), '{ "claims-api": ');
    const problems = await problemsAt(root);
    expect(problems.map((p) => p.file)).toEqual(['environments/prod/versions.json']);
    expect(problems[0]!.message).toContain('is not valid JSON');
  });

  it('names a byte order mark in a versions file', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    const file = join(root, 'environments', 'sit', 'versions.json');
    writeFileSync(file, `\uFEFF${readFileSync(file, 'utf8')}`);
    const problems = await problemsAt(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('byte order mark (BOM)');
  });

  it('reports a pin written as a string as the only problem', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api', { overrides: { uat: { replicas: 2 } } }) } });
    writeFileSync(join(root, 'environments', 'uat', 'versions.json'), '{ "claims-api": "1.0.0" }\n');
    const problems = await problemsAt(root);
    expect(problems.map((p) => `${p.file} ${p.field}`)).toEqual(['environments/uat/versions.json claims-api']);
  });
});

describe('nothing in apps/ is silently ignored', () => {
  it('fails on apps/notes.yaml and on a folder apps/claims/', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    writeFileSync(join(root, 'apps', 'notes.yaml'), 'todo: x\n');
    mkdirSync(join(root, 'apps', 'claims'));
    writeFileSync(join(root, 'apps', 'claims', 'x.ts'), 'export default {};\n');
    const problems = await problemsAt(root);
    expect(problems.map((p) => p.file)).toEqual(['apps/claims/', 'apps/notes.yaml']);
    expect(problems[1]!.message).toBe('is a file, no app spec, and no app file imports it, so it would be ignored');
  });
});

describe('onboarding', () => {
  it('names a command that pins the first build of a new app', async () => {
    const root = tempRepo({ apps: { 'fraud-scoring': service('fraud-scoring') }, versions: { dev: {} } });
    const p = (await problemsAt(root)).find((x) => x.file === 'environments/dev/versions.json');
    expect(p?.fix).toContain("list only 'dev' in environments of apps/fraud-scoring.ts");
    expect(p?.fix).toContain('npm run -s promote -- fraud-scoring --to dev --version <tag> --digest sha256:<digest>');
  });
});

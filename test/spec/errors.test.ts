import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../lib/spec/project.ts';
import { renderAll } from '../../lib/render/synth.ts';
import { SpecError, type Problem } from '../../lib/spec/problems.ts';
import { appSource, makeRepo, renderedApp, service, tempRepo } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** Loads a repo made of `options` and returns the problems reported. */
async function problemsOf(
  options: Parameters<typeof makeRepo>[0],
  edit?: (root: string) => void,
): Promise<readonly Problem[]> {
  const repo = makeRepo(options);
  cleanups.push(repo.cleanup);
  edit?.(repo.root);
  try {
    await loadProject(repo.root);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error('expected the project to be rejected');
}

function one(problems: readonly Problem[], field: string): Problem {
  const found = problems.filter((p) => p.field === field);
  expect(found, `problems on '${field}': ${JSON.stringify(problems, null, 1)}`).toHaveLength(1);
  return found[0]!;
}

describe('spec errors', () => {
  it('fails on an unknown field and suggests the close one', async () => {
    const problems = await problemsOf({ apps: { 'claims-api': { ...service('claims-api'), replica: 3 } } });
    const p = one(problems, 'replica');
    expect(p.file).toBe('apps/claims-api.ts');
    expect(p.message).toBe('unknown field');
    expect(p.fix).toContain("did you mean 'replicas'");
  });

  it('fails on a wrong type and names the expected one', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { ports: [{ name: 'http', port: '8080' as never }] }) },
    });
    const p = one(problems, 'ports[0].port');
    expect(p.value).toBe('8080');
    expect(p.message).toContain('expected a number');
  });

  it('fails on a missing required field', async () => {
    const { team: _team, ...noTeam } = service('claims-api');
    const problems = await problemsOf({ apps: { 'claims-api': noTeam } });
    expect(one(problems, 'team').message).toBe('required field is missing');
  });

  it('fails on a name that is not DNS-1123 and proposes one', async () => {
    const problems = await problemsOf({ apps: { Claims_API: service('Claims_API') } });
    const p = one(problems, 'name');
    expect(p.message).toContain('DNS-1123');
    expect(p.fix).toContain("'claims-api'");
  });

  it('fails on two apps with the same name', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api') },
      rawApps: { 'claims-api-copy.ts': appSource(service('claims-api')) },
    });
    const dup = problems.find((p) => p.message.startsWith('duplicates the app in'));
    expect(dup?.file).toBe('apps/claims-api.ts');
    expect(dup?.message).toBe('duplicates the app in apps/claims-api-copy.ts');
  });

  it('fails on clashing container ports', async () => {
    const problems = await problemsOf({
      apps: {
        'claims-api': service('claims-api', {
          ports: [
            { name: 'http', port: 8080 },
            { name: 'admin', port: 8080 },
          ],
        }),
      },
    });
    const p = one(problems, 'ports[1].port');
    expect(p.message).toBe('container port clashes with ports[0]');
  });

  it('fails on clashing port names', async () => {
    const problems = await problemsOf({
      apps: {
        'claims-api': service('claims-api', {
          ports: [
            { name: 'http', port: 8080 },
            { name: 'http', port: 8081 },
          ],
        }),
      },
    });
    expect(one(problems, 'ports[1].name').message).toBe('port name clashes with ports[0]');
  });

  it('fails on an override for an unknown environment', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { overrides: { prd: { replicas: 2 } } as never }) },
    });
    const p = one(problems, 'overrides.prd');
    expect(p.message).toBe('unknown environment');
    expect(p.fix).toContain("'prod'");
  });

  it('fails when a version is missing for an environment', async () => {
    const problems = await problemsOf({ apps: { 'claims-api': service('claims-api') }, versions: { prod: {} } });
    const p = one(problems, 'claims-api');
    expect(p.file).toBe('environments/prod/versions.json');
    expect(p.message).toContain('no version pinned');
    expect(p.fix).toContain('npm run -s promote -- claims-api --to prod');
  });

  it('fails on a plain-text value of a secret-looking variable, without echoing it', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { env: { DB_PASSWORD: 'hunter2' } }) },
    });
    const p = one(problems, 'env.DB_PASSWORD');
    expect(p.message).toContain('secret written in plain text');
    expect(JSON.stringify(problems)).not.toContain('hunter2');
    expect(p.fix).toContain('secretRef');
  });

  it("fails on memory written with 'm' (milli-bytes)", async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { resources: { memory: '512m' } }) },
    });
    expect(one(problems, 'resources.memory').fix).toContain("'512Mi'");
  });

  it('fails on a service without health endpoints', async () => {
    const { health: _h, ...noHealth } = service('claims-api');
    const problems = await problemsOf({ apps: { 'claims-api': noHealth } });
    expect(one(problems, 'health').message).toBe('a service needs health endpoints');
  });

  it('fails on a cronjob without a schedule', async () => {
    const problems = await problemsOf({
      apps: {
        'nightly-batch': {
          name: 'nightly-batch',
          team: 'policy',
          image: 'registry.insure.example/policy/nightly-batch',
          kind: 'cronjob',
        },
      },
    });
    expect(one(problems, 'schedule').message).toBe('a cronjob needs a schedule');
  });

  it('fails on autoscaling whose maximum is below its minimum', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { autoscaling: { minReplicas: 4, maxReplicas: 2 } }) },
    });
    expect(one(problems, 'autoscaling.maxReplicas').message).toBe('is below minReplicas (4)');
  });

  it('fails on an image that carries a tag', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { image: 'registry.insure.example/claims/claims-api:1.2.3' }) },
    });
    const p = one(problems, 'image');
    expect(p.message).toBe('image carries a tag or digest');
    expect(p.fix).toContain('versions.json');
  });

  it('fails on a network peer that is no app', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api', { network: { callsApps: ['polcy-admin'] } }) },
    });
    expect(one(problems, 'network.callsApps[0]').message).toBe('names no app');
  });

  it('fails on a file not named after its app', async () => {
    const problems = await problemsOf({ apps: {}, rawApps: { 'claims.ts': appSource(service('claims-api')) } });
    expect(one(problems, 'name').fix).toContain('apps/claims-api.ts');
  });

  it('fails on a malformed versions file, naming the file', async () => {
    const problems = await problemsOf({ apps: { 'claims-api': service('claims-api') } }, (root) => {
      writeFileSync(join(root, 'environments', 'uat', 'versions.json'), '{ "claims-api": { "tag": "1.0.0", } ');
    });
    const p = problems.find((x) => x.file === 'environments/uat/versions.json');
    expect(p?.message).toContain('is not valid JSON');
  });

  it('fails on a mutable tag outside dev and a missing digest in prod', async () => {
    const problems = await problemsOf({
      apps: { 'claims-api': service('claims-api') },
      versions: { sit: { 'claims-api': { tag: 'latest' } }, prod: { 'claims-api': { tag: '1.0.0' } } },
    });
    expect(problems.find((p) => p.file === 'environments/sit/versions.json')?.message).toBe(
      'a mutable tag is not allowed in sit',
    );
    expect(problems.find((p) => p.file === 'environments/prod/versions.json')?.message).toBe(
      'prod requires images pinned by digest',
    );
  });

  it('fails on a pin for an app that has no spec', async () => {
    const problems = await problemsOf({ apps: {}, versions: { dev: { ghost: { tag: '1.0.0' } } } });
    expect(one(problems, 'ghost').message).toBe('pins an app that has no spec');
  });

  it('fails on a file that does not compile, without follow-on noise', async () => {
    const problems = await problemsOf({ apps: { 'claims-api': service('claims-api') } }, (root) => {
      writeFileSync(join(root, 'apps', 'claims-api.ts'), "export default { name: 'claims-api', ");
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('cannot be loaded');
  });

  it('reports every problem of a run together, sorted by file', async () => {
    const problems = await problemsOf({
      apps: {
        'claims-api': service('claims-api', { replicas: -1 }),
        'quote-api': service('quote-api', { ports: [{ name: 'http', port: 80 }] }),
      },
    });
    expect(problems.map((p) => `${p.file}:${p.field}`)).toEqual([
      'apps/claims-api.ts:replicas',
      'apps/quote-api.ts:ports[0].port',
    ]);
    expect(problems[1]!.fix).toContain('servicePort');
  });

  it('lets the Service expose a privileged port in front of an unprivileged container port, as the fix says', async () => {
    const root = tempRepo({
      apps: { 'quote-api': service('quote-api', { ports: [{ name: 'http', port: 8080, servicePort: 80 }] }) },
    });
    const objects = await renderedApp(root, 'dev', 'quote-api');
    const svc = objects.find((o) => o.kind === 'Service') as unknown as {
      spec: { ports: { port: number; targetPort: unknown }[] };
    };
    expect(svc.spec.ports.map((p) => [p.port, p.targetPort])).toEqual([[80, 8080]]);
    // The schema and policy checks of the render pass it too.
    expect((await renderAll(root, { cache: false })).files.length).toBeGreaterThan(0);
    expect(
      await problemsOf({
        apps: { 'quote-api': service('quote-api', { ports: [{ name: 'http', port: 8080, servicePort: 70000 }] }) },
      }),
    ).toMatchObject([{ field: 'ports[0].servicePort', value: 70000, message: 'not a port number' }]);
  });
});

describe('spec error report', () => {
  it('names the file, the field, the value and the fix on one line', async () => {
    const repo = makeRepo({ apps: { 'claims-api': service('claims-api', { replicas: 900 }) } });
    cleanups.push(repo.cleanup);
    const error = (await loadProject(repo.root).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("apps/claims-api.ts: 'replicas' (900): out of range. Fix: use 0 to 500 replicas");
    expect(existsSync(join(repo.root, 'manifests'))).toBe(false);
  });
});

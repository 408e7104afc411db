import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { renderApp } from '../../lib/render/render.ts';
import { synth } from '../../lib/render/synth.ts';
import { writeOutput } from '../../lib/render/output.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { fromYaml } from '../../lib/kube/parse.ts';
import { appSource, makeRepo, service, snapshotTree } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function repo(options: Parameters<typeof makeRepo>[0]) {
  const r = makeRepo(options);
  cleanups.push(r.cleanup);
  return r.root;
}

async function objectsOf(root: string, env: string, app: string): Promise<KubeObject[]> {
  const resolved = resolveProject(await loadProject(root)).find((a) => a.environment.name === env && a.name === app);
  if (!resolved) throw new Error(`${app} does not run in ${env}`);
  return renderApp(resolved);
}

function find(objects: KubeObject[], kind: string): KubeObject & { spec: any } {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} in ${objects.map((x) => x.kind).join(', ')}`);
  return o as KubeObject & { spec: any };
}

describe('Microservice', () => {
  it('renders every object a service needs, named after the app', async () => {
    const root = repo({
      apps: { 'claims-api': service('claims-api', { replicas: 3, config: { 'app.yaml': 'a: 1\n' } }) },
    });
    const objects = await objectsOf(root, 'prod', 'claims-api');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/claims-api',
      'ConfigMap/claims-api-config',
      'Service/claims-api',
      'Deployment/claims-api',
      'PodDisruptionBudget/claims-api',
      'NetworkPolicy/claims-api',
    ]);
  });

  it('labels every object and the pods with name, team, version and environment', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api', { replicas: 2 }) } });
    const objects = await objectsOf(root, 'uat', 'claims-api');
    const expected = {
      'app.kubernetes.io/name': 'claims-api',
      'app.kubernetes.io/part-of': 'claims',
      'app.kubernetes.io/version': '1.0.0',
      'platform.insure.example/environment': 'uat',
    };
    for (const o of objects) expect(o.metadata.labels).toMatchObject(expected);
    expect(find(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(expected);
    for (const o of objects)
      expect(o.metadata.annotations?.['platform.insure.example/source']).toBe('apps/claims-api.ts');
  });

  it('runs pods non-root, read-only, without privileges and with requests', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api') } });
    const pod = find(await objectsOf(root, 'prod', 'claims-api'), 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.requests).toEqual({ cpu: '250m', memory: '512Mi' });
    expect(c.resources.limits).toEqual({ memory: '512Mi' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(c.image).toMatch(/^registry\.insure\.example\/claims\/claims-api:1\.0\.0@sha256:[0-9a-f]{64}$/);
  });

  it('applies environment defaults and per-environment overrides', async () => {
    const root = repo({
      apps: {
        'claims-api': service('claims-api', { overrides: { prod: { replicas: 5, resources: { memory: '2Gi' } } } }),
      },
    });
    const dev = find(await objectsOf(root, 'dev', 'claims-api'), 'Deployment').spec;
    const prod = find(await objectsOf(root, 'prod', 'claims-api'), 'Deployment').spec;
    expect(dev.replicas).toBe(1);
    expect(prod.replicas).toBe(5);
    expect(prod.template.spec.containers[0].resources.requests.memory).toBe('2048Mi');
    expect(prod.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('hands replicas to the autoscaler and keeps a disruption budget at its floor', async () => {
    const root = repo({
      apps: { 'quote-api': service('quote-api', { autoscaling: { minReplicas: 2, maxReplicas: 9 } }) },
    });
    const objects = await objectsOf(root, 'prod', 'quote-api');
    expect(find(objects, 'Deployment').spec.replicas).toBeUndefined();
    expect(find(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 9 });
    expect(find(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  it('renders env vars from Secrets as references, never values', async () => {
    const root = repo({
      apps: {
        'claims-api': service('claims-api', {
          env: { DB_PASSWORD: { secret: 'claims-db', key: 'password' }, MODE: 'fast' },
        }),
      },
    });
    const env = find(await objectsOf(root, 'prod', 'claims-api'), 'Deployment').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'claims-db', key: 'password' } } },
      { name: 'MODE', value: 'fast' },
    ]);
  });

  it('denies all traffic but what the spec declares', async () => {
    const root = repo({
      apps: {
        'claims-api': service('claims-api', {
          network: { allowFrom: ['quote-api'], callsApps: ['quote-api'], egress: ['10.0.0.0/8:5432'] },
        }),
        'quote-api': service('quote-api', {
          team: 'pricing',
          network: { allowFrom: ['claims-api'], callsApps: ['claims-api'] },
        }),
      },
    });
    const np = find(await objectsOf(root, 'prod', 'claims-api'), 'NetworkPolicy').spec;
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.ingress).toEqual([
      {
        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'quote-api' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    expect(np.egress.map((r: any) => r.to[0])).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
      { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'quote-api' } } },
      { ipBlock: { cidr: '10.0.0.0/8' } },
    ]);
  });

  it('renders a worker without Service and a cronjob as a CronJob', async () => {
    const root = repo({
      apps: {
        'doc-worker': {
          name: 'doc-worker',
          team: 'claims',
          image: 'registry.insure.example/claims/doc-worker',
          kind: 'worker',
          replicas: 1,
        },
        'nightly-batch': {
          name: 'nightly-batch',
          team: 'policy',
          image: 'registry.insure.example/policy/nightly-batch',
          kind: 'cronjob',
          schedule: '30 1 * * *',
        },
      },
    });
    expect((await objectsOf(root, 'prod', 'doc-worker')).map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'Deployment',
      'NetworkPolicy',
    ]);
    const cron = find(await objectsOf(root, 'prod', 'nightly-batch'), 'CronJob').spec;
    expect(cron.schedule).toBe('30 1 * * *');
    expect(cron.concurrencyPolicy).toBe('Forbid');
    expect(cron.jobTemplate.spec.template.spec.containers[0].startupProbe).toBeUndefined();
  });
});

describe('synth', () => {
  it('is deterministic: two runs give the same bytes', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    await synth(root);
    const first = snapshotTree(join(root, 'manifests'));
    rmSync(join(root, 'manifests'), { recursive: true });
    await synth(root);
    expect(snapshotTree(join(root, 'manifests'))).toEqual(first);
    expect(Object.keys(first)).toContain('prod/apps/claims-api.yaml');
    expect(Object.keys(first)).toContain('dr/kustomization.yaml');
  });

  it('puts namespaces and platform objects in earlier Argo CD sync waves, and protects namespaces from pruning', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api') } });
    await synth(root);
    const namespaces = fromYaml(
      readFileSync(join(root, 'manifests', 'prod', 'platform', 'namespaces.yaml'), 'utf8'),
      'x',
    ) as KubeObject[];
    expect(namespaces[0]!.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '-2',
      'argocd.argoproj.io/sync-options': 'Prune=confirm',
    });
    const logging = fromYaml(
      readFileSync(join(root, 'manifests', 'prod', 'platform', 'logging.yaml'), 'utf8'),
      'x',
    ) as KubeObject[];
    expect(logging.find((o) => o.kind === 'DaemonSet')?.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe(
      '-1',
    );
    const app = fromYaml(
      readFileSync(join(root, 'manifests', 'prod', 'apps', 'claims-api.yaml'), 'utf8'),
      'x',
    ) as KubeObject[];
    for (const o of app) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });

  it('prunes the files of a removed app', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    await synth(root);
    rmSync(join(root, 'apps', 'quote-api.ts'));
    for (const env of ['dev', 'sit', 'uat', 'staging', 'prod', 'dr']) {
      const file = join(root, 'environments', env, 'versions.json');
      const pins = JSON.parse(readFileSync(file, 'utf8'));
      delete pins['quote-api'];
      writeFileSync(file, JSON.stringify(pins));
    }
    const result = await synth(root);
    expect(result.diff.removed).toContain('prod/apps/quote-api.yaml');
    expect(existsSync(join(root, 'manifests', 'prod', 'apps', 'quote-api.yaml'))).toBe(false);
    expect(readFileSync(join(root, 'manifests', 'prod', 'kustomization.yaml'), 'utf8')).not.toContain('quote-api');
  });

  it('leaves manifests/ untouched when a spec is invalid', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api') } });
    await synth(root);
    const before = snapshotTree(join(root, 'manifests'));
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource(service('claims-api', { replicas: -3 })));
    await expect(synth(root)).rejects.toThrow(/'replicas' \(-3\): out of range/);
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('leaves manifests/ untouched when the environment policy tightens under a pinned version', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api') } });
    writeFileSync(
      join(root, 'environments', 'dev', 'versions.json'),
      JSON.stringify({ 'claims-api': { tag: 'latest' } }),
    );
    await synth(root);
    const before = snapshotTree(join(root, 'manifests'));
    const envFile = join(root, 'environments', 'dev', 'environment.ts');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('allowMutableTags: true', 'allowMutableTags: false'));
    await expect(synth(root)).rejects.toThrow(
      'environments/dev/versions.json: \'claims-api.tag\' ("latest"): a mutable tag is not allowed in dev',
    );
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('leaves the old output in place when writing fails half-way', () => {
    const root = repo({});
    const dir = join(root, 'manifests');
    writeOutput(dir, [{ path: 'dev/a.yaml', content: 'old\n' }]);
    const broken = [
      { path: 'dev/a.yaml', content: 'new\n' },
      { path: 'dev/a.yaml/b.yaml', content: 'cannot exist\n' },
    ];
    expect(() => writeOutput(dir, broken)).toThrow();
    expect(snapshotTree(dir)).toEqual({ 'dev/a.yaml': 'old\n' });
    expect(readdirSync(root).filter((f) => f.startsWith('.manifests'))).toEqual([]);
  });

  it('check mode lists stale files and writes nothing', async () => {
    const root = repo({ apps: { 'claims-api': service('claims-api') } });
    await synth(root);
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource(service('claims-api', { replicas: 4 })));
    const result = await synth(root, { check: true });
    expect(result.diff.changed).toEqual([
      'dev/apps/claims-api.yaml',
      'dr/apps/claims-api.yaml',
      'prod/apps/claims-api.yaml',
      'sit/apps/claims-api.yaml',
      'staging/apps/claims-api.yaml',
      'uat/apps/claims-api.yaml',
    ]);
    const objects = fromYaml(
      readFileSync(join(root, 'manifests', 'prod', 'apps', 'claims-api.yaml'), 'utf8'),
      'x',
    ) as any[];
    expect(objects.find((o) => o.kind === 'Deployment').spec.replicas).toBe(3);
  });
});

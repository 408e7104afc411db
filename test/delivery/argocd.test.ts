import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryAnnotations, environmentDelivery, PRUNE_CONFIRM, SYNC_OPTIONS, SYNC_WAVE, syncWindow } from '../../lib/delivery/argocd.ts';
import { argoSchemaErrors } from '../../lib/delivery/argocd-files.ts';
import type { RenderedFile } from '../../lib/render/render.ts';
import type { KubeObject } from '../../lib/render/yaml.ts';
import { fromYaml } from '../../lib/render/yaml.ts';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import { runCli } from './run-cli.ts';
import { ENVS, makeRepo, REPO_ROOT, service } from '../fixture.ts';

const environments = (await loadEnvironmentsOnly(REPO_ROOT)).map((e) => e.spec);
const SOURCE = { url: 'https://github.insure.example/insure/platform-gitops.git', branch: 'main' };

function file(env: string, objects: KubeObject[]): RenderedFile {
  return { path: `${env}/apps/x.yaml`, env, objects, content: '' };
}
const deployment = (ns: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'claims-api', namespace: ns } });
const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('Argo CD objects', () => {
  for (const env of environments) {
    const auto = env.delivery?.autoSync ?? false;
    it(`${env.name}: an AppProject fenced to its namespaces and kinds, and an Application that syncs manifests/${env.name}/ ${auto ? 'automatically' : 'by hand'}`, () => {
      const { objects, problems } = environmentDelivery(env, [file(env.name, [namespace('claims'), deployment('claims')])], SOURCE);
      expect(problems).toEqual([]);
      const [project, app] = objects as [KubeObject & { spec: any }, KubeObject & { spec: any }];
      expect(project.kind).toBe('AppProject');
      expect(project.spec.sourceRepos).toEqual([SOURCE.url]);
      expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'claims' }]);
      expect(project.spec.namespaceResourceWhitelist).not.toContainEqual({ group: '', kind: 'Secret' });
      expect(project.spec.syncWindows).toHaveLength(env.promotion.freezeWindows?.length ?? 0);
      expect(app.spec.source).toEqual({ repoURL: SOURCE.url, targetRevision: 'main', path: `manifests/${env.name}` });
      expect(app.spec.project).toBe(env.name);
      expect(app.spec.syncPolicy.automated).toEqual(auto ? { prune: true, selfHeal: true, allowEmpty: false } : undefined);
      expect(app.spec.syncPolicy.syncOptions).toContain('PruneLast=true');
      for (const o of objects) expect(argoSchemaErrors(o)).toEqual([]);
    });
  }

  it('syncs dev to staging automatically and prod and dr only by hand', () => {
    const manual = environments.filter((e) => !(e.delivery?.autoSync ?? false)).map((e) => e.name);
    expect(manual).toEqual(['prod', 'dr']);
  });

  it('mirrors recurring freeze windows as deny windows and turns a one-off window into its start in its time zone plus its length', () => {
    expect(syncWindow({ name: 'weekend', reason: 'r', schedule: '0 18 * * 5', duration: '60h', timeZone: 'Asia/Shanghai' }, 'prod')).toEqual({
      kind: 'deny', schedule: '0 18 * * 5', duration: '60h', applications: ['prod'], manualSync: false, timeZone: 'Asia/Shanghai',
    });
    expect(syncWindow({ name: 'year-end', reason: 'r', start: '2026-12-24T00:00:00+08:00', end: '2027-01-04T06:00:00+08:00', timeZone: 'Asia/Shanghai' }, 'prod')).toMatchObject({
      schedule: '0 0 24 12 *', duration: '270h', timeZone: 'Asia/Shanghai',
    });
    expect(syncWindow({ name: 'patch', reason: 'r', start: '2026-03-01T10:30:00Z', end: '2026-03-01T12:00:00Z' }, 'prod')).toMatchObject({ schedule: '30 10 1 3 *', duration: '90m', timeZone: 'UTC' });
  });

  it('fails on a kind the AppProject would refuse, naming file, object and fix', () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'claims' } };
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.example' } };
    const { problems } = environmentDelivery(environments[0]!, [file('dev', [secret, crd])], SOURCE);
    expect(problems.map((p) => `${p.file} ${p.object}: ${p.message}`)).toEqual([
      'manifests/dev/apps/x.yaml v1/Secret/claims/db: namespaced kind v1/Secret is not admitted by the AppProject, so Argo CD would refuse to sync it',
      'manifests/dev/apps/x.yaml apiextensions.k8s.io/v1/CustomResourceDefinition//x.example: cluster-scoped kind apiextensions.k8s.io/v1/CustomResourceDefinition is not admitted by the AppProject, so Argo CD would refuse to sync it',
    ]);
    expect(problems[0]!.fix).toContain('secretRef()');
  });

  it('tells the render to put namespaces and platform objects in earlier waves and to protect namespaces and volumes from pruning', () => {
    expect(deliveryAnnotations(namespace('claims'))).toEqual({ [SYNC_WAVE]: '-2', [SYNC_OPTIONS]: PRUNE_CONFIRM });
    expect(deliveryAnnotations({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'claims' } })).toEqual({ [SYNC_OPTIONS]: PRUNE_CONFIRM });
    expect(deliveryAnnotations({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'fluent-bit', namespace: 'logging', labels: { 'app.kubernetes.io/part-of': 'platform' } } })).toEqual({ [SYNC_WAVE]: '-1' });
    expect(deliveryAnnotations(deployment('claims'))).toEqual({});
  });

  it('argocd writes one file per environment, --check passes, and a changed freeze window makes --check fail', () => {
    // GIVEN a repository with one app, rendered
    const { root, cleanup } = makeRepo({ apps: { 'claims-api': service('claims-api') } });
    cleanups.push(cleanup);
    cpSync(join(REPO_ROOT, 'pipelines'), join(root, 'pipelines'), { recursive: true });
    expect(runCli(root, ['synth']).code).toBe(0);
    // WHEN the Argo CD objects are rendered THEN there is one valid file per environment
    const first = runCli(root, ['argocd']);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('wrote 6 file(s): 6 added, 0 changed, 0 removed\n');
    const prod = fromYaml(readFileSync(join(root, 'delivery', 'argocd', 'prod.yaml'), 'utf8'), 'prod.yaml') as (KubeObject & { spec: any })[];
    expect(prod.map((o) => o.kind)).toEqual(['AppProject', 'Application']);
    expect(prod[0]!.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'claims' },
      { server: 'https://kubernetes.default.svc', namespace: 'logging' },
    ]);
    expect(runCli(root, ['argocd', '--check']).code).toBe(0);
    // WHEN prod's freeze windows change THEN --check fails naming the stale file, and writes nothing
    const envFile = join(root, 'environments', 'prod', 'environment.ts');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace("schedule: '0 18 * * 5'", "schedule: '0 17 * * 5'"));
    const check = runCli(root, ['argocd', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('changed  delivery/argocd/prod.yaml');
    expect(readFileSync(join(root, 'delivery', 'argocd', 'prod.yaml'), 'utf8')).toContain("schedule: 0 18 * * 5");
    expect(ENVS.length).toBe(6);
  });
});

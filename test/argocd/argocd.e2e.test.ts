import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  controllerOwnedFields,
  deliveryAnnotations,
  environmentDelivery,
  PRUNE_CONFIRM,
  RESOURCES_FINALIZER,
  SYNC_OPTIONS,
  SYNC_WAVE,
  syncWindow,
} from '../../lib/argocd/applications.ts';
import { argoSchemaErrors } from '../../lib/argocd/files.ts';
import type { RenderedFile } from '../../lib/kube/object.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { fromYaml } from '../../lib/kube/parse.ts';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import { runCli } from '../cli/run-cli.ts';
import { FIXTURE_ROOT, makeRepo, REPO_ROOT, service } from '../fixture.ts';

type Argo = KubeObject & { spec: any; metadata: KubeObject['metadata'] & { finalizers?: string[] } };

const environments = (await loadEnvironmentsOnly(FIXTURE_ROOT)).map((e) => e.spec);
const SOURCE = { url: 'https://github.insure.example/insure/platform-gitops.git', branch: 'main' };
const IN_CLUSTER = 'https://kubernetes.default.svc';

function file(env: string, path: string, objects: KubeObject[]): RenderedFile {
  return { path: `${env}/${path}`, env, objects, content: '' };
}
const labelled = (o: KubeObject, team: string): KubeObject => ({
  ...o,
  metadata: { ...o.metadata, labels: { 'app.kubernetes.io/part-of': team } },
});
const deployment = (name: string, ns: string): KubeObject =>
  labelled({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns } }, ns);
const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cloneSet = (name: string, ns: string): KubeObject => ({
  apiVersion: 'apps.kruise.io/v1alpha1',
  kind: 'CloneSet',
  metadata: { name, namespace: ns },
});
const rollout = (name: string, ns: string): KubeObject => ({
  apiVersion: 'rollouts.kruise.io/v1beta1',
  kind: 'Rollout',
  metadata: { name, namespace: ns },
  spec: { workloadRef: { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name } },
});
const hpa = (name: string, ns: string): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: ns },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name } },
});

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('Argo CD objects', () => {
  for (const env of environments) {
    const auto = env.delivery?.autoSync ?? false;
    const how = auto ? 'automatic' : 'by hand';
    it(`${env.name}: one Application per app into its namespace, one for the platform, ${how}`, () => {
      // GIVEN two apps in two namespaces and the platform's namespaces
      const manifests = [
        file(env.name, 'platform/namespaces.yaml', [namespace('claims'), namespace('payments')]),
        file(env.name, 'apps/claims-api.yaml', [deployment('claims-api', 'claims')]),
        file(env.name, 'apps/payments-gateway.yaml', [deployment('payments-gateway', 'payments')]),
      ];
      // WHEN the Argo CD objects are built
      const delivery = environmentDelivery(env, manifests, SOURCE);
      const byPath = new Map(
        delivery.synced.map((f) => [f.path.slice(`delivery/argocd/${env.name}/`.length), f.objects[0] as Argo]),
      );
      expect([...byPath.keys()]).toEqual([
        'project.yaml',
        'platform.yaml',
        'apps/claims-api.yaml',
        'apps/payments-gateway.yaml',
      ]);

      // THEN the project is fenced to the namespaces, this repository and the kinds, and holds the freeze windows
      const project = byPath.get('project.yaml')!;
      expect(project.metadata.name).toBe(env.name);
      expect(project.spec.sourceRepos).toEqual([SOURCE.url]);
      expect(project.spec.destinations).toEqual([
        { server: IN_CLUSTER, namespace: 'claims' },
        { server: IN_CLUSTER, namespace: 'payments' },
      ]);
      expect(project.spec.namespaceResourceWhitelist).not.toContainEqual({ group: '', kind: 'Secret' });
      expect(project.spec.syncWindows).toHaveLength(env.promotion.freezeWindows?.length ?? 0);

      // AND each app has its own Application: one file of manifests/<env>/apps/, its namespace, its finalizer
      const claims = byPath.get('apps/claims-api.yaml')!;
      expect(claims.metadata.name).toBe(`${env.name}-claims-api`);
      expect(claims.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'claims-api',
        'app.kubernetes.io/part-of': 'claims',
      });
      expect(claims.spec.project).toBe(env.name);
      expect(claims.spec.source).toEqual({
        repoURL: SOURCE.url,
        targetRevision: 'main',
        path: `manifests/${env.name}/apps`,
        directory: { recurse: false, include: 'claims-api.yaml' },
      });
      expect(claims.spec.destination).toEqual({ server: IN_CLUSTER, namespace: 'claims' });
      expect(byPath.get('apps/payments-gateway.yaml')!.spec.destination.namespace).toBe('payments');
      expect(claims.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
      expect(claims.spec.syncPolicy.automated).toEqual(
        auto ? { prune: true, selfHeal: true, allowEmpty: false } : undefined,
      );
      expect(claims.spec.syncPolicy.syncOptions).toEqual(
        expect.arrayContaining(['PruneLast=true', 'FailOnSharedResource=true', 'RespectIgnoreDifferences=true']),
      );
      // removing an app where syncs are manual waits for a person too
      expect(claims.metadata.annotations?.[SYNC_OPTIONS]).toBe(auto ? undefined : PRUNE_CONFIRM);

      // AND the platform Application syncs manifests/<env>/platform/, never cascades, and is never pruned unconfirmed
      const platform = byPath.get('platform.yaml')!;
      expect(platform.metadata.name).toBe(`${env.name}-platform`);
      expect(platform.spec.source.path).toBe(`manifests/${env.name}/platform`);
      expect(platform.metadata.finalizers).toBeUndefined();
      expect(platform.metadata.annotations?.[SYNC_OPTIONS]).toBe(PRUNE_CONFIRM);

      // AND the root syncs delivery/argocd/<env>/ automatically, in a project admitting only Argo CD's own kinds
      const [rootProject, root] = delivery.bootstrap.objects as Argo[];
      expect(delivery.bootstrap.path).toBe(`delivery/argocd/bootstrap/${env.name}.yaml`);
      expect(root!.spec.source).toMatchObject({ path: `delivery/argocd/${env.name}`, directory: { recurse: true } });
      expect(root!.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
      expect(rootProject!.spec.namespaceResourceWhitelist).toEqual([
        { group: 'argoproj.io', kind: 'AppProject' },
        { group: 'argoproj.io', kind: 'Application' },
      ]);
      expect(rootProject!.spec.clusterResourceWhitelist).toEqual([]);
      for (const o of [...delivery.synced.flatMap((f) => f.objects), ...delivery.bootstrap.objects])
        expect(argoSchemaErrors(o)).toEqual([]);
    });
  }

  it('syncs dev to staging automatically and prod and dr only by hand', () => {
    const manual = environments.filter((e) => !(e.delivery?.autoSync ?? false)).map((e) => e.name);
    expect(manual).toEqual(['prod', 'dr']);
  });

  it('mirrors freeze windows as deny windows over every Application, one-off ones from their start', () => {
    expect(
      syncWindow({ name: 'weekend', reason: 'r', schedule: '0 18 * * 5', duration: '60h', timeZone: 'Asia/Shanghai' }),
    ).toEqual({
      kind: 'deny',
      schedule: '0 18 * * 5',
      duration: '60h',
      applications: ['*'],
      manualSync: false,
      timeZone: 'Asia/Shanghai',
    });
    expect(
      syncWindow({
        name: 'year-end',
        reason: 'r',
        start: '2026-12-24T00:00:00+08:00',
        end: '2027-01-04T06:00:00+08:00',
        timeZone: 'Asia/Shanghai',
      }),
    ).toMatchObject({
      schedule: '0 0 24 12 *',
      duration: '270h',
      timeZone: 'Asia/Shanghai',
    });
    expect(
      syncWindow({ name: 'patch', reason: 'r', start: '2026-03-01T10:30:00Z', end: '2026-03-01T12:00:00Z' }),
    ).toMatchObject({ schedule: '30 10 1 3 *', duration: '90m', timeZone: 'UTC' });
  });

  it('leaves to controllers the CloneSet fields a Kruise Rollout moves and the replicas an HPA sets, only', () => {
    // GIVEN a CloneSet under a Rollout, a Deployment under an HPA, and a CloneSet alone
    const objects = [
      cloneSet('payments-gateway', 'payments'),
      rollout('payments-gateway', 'payments'),
      deployment('quote-api', 'pricing'),
      hpa('quote-api', 'pricing'),
      cloneSet('plain', 'payments'),
    ];
    // THEN only the controller-owned fields are ignored, each on its own object
    expect(controllerOwnedFields(objects)).toEqual([
      {
        group: 'apps.kruise.io',
        kind: 'CloneSet',
        name: 'payments-gateway',
        namespace: 'payments',
        jsonPointers: ['/spec/updateStrategy/partition', '/spec/updateStrategy/paused'],
      },
      { group: 'apps', kind: 'Deployment', name: 'quote-api', namespace: 'pricing', jsonPointers: ['/spec/replicas'] },
    ]);
    // AND an app without such controllers gets no ignoreDifferences at all
    const env = environments[0]!;
    const delivery = environmentDelivery(
      env,
      [file(env.name, 'apps/plain.yaml', [cloneSet('plain', 'payments')])],
      SOURCE,
    );
    expect((delivery.synced[2]!.objects[0] as Argo).spec.ignoreDifferences).toBeUndefined();
    const released = environmentDelivery(
      env,
      [file(env.name, 'apps/payments-gateway.yaml', objects.slice(0, 2))],
      SOURCE,
    );
    expect((released.synced[2]!.objects[0] as Argo).spec.ignoreDifferences).toHaveLength(1);
  });

  it('puts namespaces and platform objects in earlier waves and protects namespaces and volumes from pruning', () => {
    expect(deliveryAnnotations(namespace('claims'))).toEqual({ [SYNC_WAVE]: '-2', [SYNC_OPTIONS]: PRUNE_CONFIRM });
    expect(
      deliveryAnnotations({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'claims' },
      }),
    ).toEqual({ [SYNC_OPTIONS]: PRUNE_CONFIRM });
    expect(
      deliveryAnnotations({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'fluent-bit', namespace: 'logging', labels: { 'app.kubernetes.io/part-of': 'platform' } },
      }),
    ).toEqual({ [SYNC_WAVE]: '-1' });
    expect(
      deliveryAnnotations({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'claims-api', namespace: 'claims' },
      }),
    ).toEqual({});
  });

  it('argocd writes a folder per environment; --check passes, then fails on a stale window, a refused kind', () => {
    // GIVEN a repository with one app, rendered, and the Argo CD files of the former layout
    const { root, cleanup } = makeRepo({ apps: { 'claims-api': service('claims-api') } });
    cleanups.push(cleanup);
    cpSync(join(REPO_ROOT, 'pipelines'), join(root, 'pipelines'), { recursive: true });
    expect(runCli(root, ['synth']).code).toBe(0);
    mkdirSync(join(root, 'delivery', 'argocd'), { recursive: true });
    writeFileSync(
      join(root, 'delivery', 'argocd', 'prod.yaml'),
      '# This file is generated by `npm run -s argocd` from x.\n',
    );
    // WHEN the Argo CD objects are rendered THEN each environment has its project, platform and app Applications
    const first = runCli(root, ['argocd']);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('wrote 24 file(s): 24 added, 0 changed, 1 removed\n');
    expect(existsSync(join(root, 'delivery', 'argocd', 'prod.yaml'))).toBe(false);
    const read = (path: string): Argo[] =>
      fromYaml(readFileSync(join(root, 'delivery', 'argocd', path), 'utf8'), path) as Argo[];
    expect(read('prod/project.yaml')[0]!.spec.destinations).toEqual([
      { server: IN_CLUSTER, namespace: 'claims' },
      { server: IN_CLUSTER, namespace: 'logging' },
    ]);
    expect(read('prod/apps/claims-api.yaml')[0]!.spec.destination).toEqual({ server: IN_CLUSTER, namespace: 'claims' });
    expect(read('bootstrap/prod.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'AppProject/prod-root',
      'Application/prod-root',
    ]);
    expect(runCli(root, ['argocd', '--check']).code).toBe(0);

    // WHEN prod's freeze windows change THEN --check fails naming the stale project file, and writes nothing
    const envFile = join(root, 'environments', 'prod', 'environment.ts');
    const original = readFileSync(envFile, 'utf8');
    writeFileSync(envFile, original.replace("schedule: '0 18 * * 5'", "schedule: '0 17 * * 5'"));
    const check = runCli(root, ['argocd', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('changed  delivery/argocd/prod/project.yaml');
    expect(readFileSync(join(root, 'delivery', 'argocd', 'prod', 'project.yaml'), 'utf8')).toContain(
      'schedule: 0 18 * * 5',
    );
    writeFileSync(envFile, original);

    // WHEN a manifest carries a Secret THEN --check fails naming the rule, the file and the fix
    const app = join(root, 'manifests', 'dev', 'apps', 'claims-api.yaml');
    writeFileSync(
      app,
      `${readFileSync(app, 'utf8')}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: claims\n`,
    );
    const refused = runCli(root, ['argocd', '--check']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '[namespaced-kind] manifests/dev/apps/claims-api.yaml v1/Secret/claims/db: ' +
        'namespaced kind core/Secret is not permitted',
    );
    expect(refused.stderr).toContain('secretRef()');
    expect(existsSync(join(root, 'delivery', 'argocd', 'dev', 'apps', 'claims-api.yaml'))).toBe(true);
  });
});

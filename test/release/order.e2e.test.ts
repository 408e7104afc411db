import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { toYaml } from '../../lib/render/yaml.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import { releaseOrderMarkdown } from '../../lib/release/markdown.ts';
import { buildReleaseOrder, type ReleaseOrder } from '../../lib/release/order.ts';
import { service } from '../fixture.ts';
import { History } from './history.ts';

/** The release order of one commit (its first parent → it). */
async function orderOf(h: History, commit: string): Promise<ReleaseOrder> {
  return buildReleaseOrder(h.root, `${commit}^`, commit);
}

function env(order: ReleaseOrder, name: string) {
  const e = order.environments.find((x) => x.env === name);
  if (!e) throw new Error(`no environment ${name} in the order`);
  return e;
}

/** Parses a manifest file, edits its objects, and writes it back as rendered YAML. */
function editManifest(h: History, path: string, edit: (objects: KubeObject[]) => KubeObject[]): void {
  const objects = parseAllDocuments(h.read(path)).map((d) => d.toJS() as KubeObject);
  h.write(path, toYaml(edit(objects)));
}

describe('release order from a scripted history', () => {
  let h: History;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    h = await History.create({
      'claims-api': service('claims-api', {
        replicas: 2,
        config: { 'application.yaml': 'server:\n  port: 8080\nfeature: a\n' },
      }),
      'quote-api': service('quote-api', { team: 'pricing' }),
    });
    h.pin('dev', 'claims-api', '1.1.0');
    await h.synth();
    commits.devImage = h.commit('Bump claims-api to 1.1.0 in dev');

    for (const e of ['prod', 'dr'] as const) h.pin(e, 'claims-api', '1.1.0');
    await h.synth();
    commits.prodImage = h.commit('Release claims-api 1.1.0 to prod and dr');

    h.setApp('quote-api', service('quote-api', { team: 'pricing', overrides: { prod: { replicas: 5 } } }));
    await h.synth();
    commits.scaleUp = h.commit('Scale quote-api to 5 in prod');

    h.setApp('quote-api', service('quote-api', { team: 'pricing', overrides: { prod: { replicas: 0 } } }));
    await h.synth();
    commits.scaleZero = h.commit('Scale quote-api to zero in prod');

    h.setApp(
      'claims-api',
      service('claims-api', {
        replicas: 2,
        env: { LOG_LEVEL: 'debug' },
        config: { 'application.yaml': 'server:\n  port: 8080\nfeature: b\n' },
      }),
    );
    await h.synth();
    commits.config = h.commit('Turn on feature b and debug logs for claims-api');

    // A manifest edited outside synth, carrying a plain-text token and a Secret with data.
    editManifest(h, 'manifests/dev/apps/claims-api.yaml', (objects) => {
      const deployment = objects.find((o) => o.kind === 'Deployment')!;
      const c = (deployment.spec as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec
        .containers[0]!;
      c.env.push({ name: 'PARTNER_API_TOKEN', value: 'tok-s3cr3t-4711' });
      return [
        ...objects,
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'claims-partner', namespace: 'claims' },
          data: { token: 'dG9rLXMzY3IzdC00NzEx' },
        },
      ];
    });
    commits.secret = h.commit('Hand-edit a partner token into dev');

    // The same objects with env vars, ports and keys in another order.
    editManifest(h, 'manifests/dev/apps/claims-api.yaml', (objects) =>
      objects.map((o) => {
        const copy = JSON.parse(JSON.stringify(o)) as KubeObject;
        const spec = copy.spec as
          | { template?: { spec: { containers: { env?: unknown[]; ports?: unknown[] }[] } } }
          | undefined;
        for (const c of spec?.template?.spec.containers ?? []) {
          c.env?.reverse();
          c.ports?.reverse();
        }
        return Object.fromEntries(Object.entries(copy).reverse()) as KubeObject;
      }),
    );
    commits.reorder = h.commit('Reorder env vars and ports');
  }, 120_000);

  afterAll(() => h.cleanup());

  it('GIVEN an image bump in dev WHEN ordered THEN one low-risk image change with 1 approval from developers and a rolling update', async () => {
    const order = await orderOf(h, commits.devImage!);
    expect(order.base).toBe(h.sha(`${commits.devImage}^`));
    expect(order.head).toBe(commits.devImage);
    expect(order.changes.map((c) => [c.env, c.app, c.kind, c.object, c.risk])).toEqual([
      ['dev', 'claims-api', 'image', 'apps/v1/Deployment/claims/claims-api', 'low'],
    ]);
    expect(order.changes[0]!.fields.map((f) => [f.path, String(f.after)])).toEqual([
      ['spec.template.spec.containers[claims-api].image', expect.stringMatching(/claims-api:1\.1\.0@sha256:/)],
    ]);
    const dev = env(order, 'dev');
    expect([dev.risk, dev.approvalsRequired, dev.approvers]).toEqual(['low', 1, ['@insure/developers']]);
    expect(dev.apps[0]!.version).toEqual({ before: '1.0.0', after: '1.1.0' });
    expect(dev.apps[0]!.rollout).toEqual([
      expect.objectContaining({
        workload: 'Deployment',
        pods: 'replaced',
        strategy: 'rolling update (maxSurge 100%, maxUnavailable 25%)',
        steps: [],
      }),
    ]);
    expect(order.guard).toEqual({ blocked: false, violations: [], requests: [] });
  });

  it('GIVEN the same bump in prod and dr WHEN ordered THEN medium risk needs 3 approvals from SRE/release managers and dr is the second wave with prod', async () => {
    const order = await orderOf(h, commits.prodImage!);
    expect(order.environments.map((e) => [e.env, e.step, e.wave, e.releasedWith, e.risk, e.approvalsRequired])).toEqual(
      [
        ['prod', 5, 1, undefined, 'medium', 3],
        ['dr', 5, 2, 'prod', 'medium', 3],
      ],
    );
    expect(env(order, 'prod').approvers).toEqual(['@insure/sre', '@insure/release-managers']);
  });

  it('GIVEN a scale-up in prod WHEN ordered THEN it is a low-risk scale change 3 → 5', async () => {
    const order = await orderOf(h, commits.scaleUp!);
    expect(order.changes.map((c) => [c.env, c.app, c.kind, c.risk])).toEqual([['prod', 'quote-api', 'scale', 'low']]);
    expect(order.changes[0]!.fields).toEqual([expect.objectContaining({ path: 'spec.replicas', before: 3, after: 5 })]);
    expect(env(order, 'prod').approvalsRequired).toBe(2);
  });

  it('GIVEN a scale to zero in prod WHEN ordered THEN the scale and the removed disruption budget are high risk and need 4 approvals', async () => {
    const order = await orderOf(h, commits.scaleZero!);
    const byKind = Object.fromEntries(order.changes.map((c) => [`${c.kind} ${c.object}`, [c.risk, c.triggers]]));
    expect(byKind['scale apps/v1/Deployment/pricing/quote-api']).toEqual(['high', ['scale', 'scale-to-zero']]);
    expect(byKind['removed policy/v1/PodDisruptionBudget/pricing/quote-api']).toEqual([
      'high',
      ['removed', 'disruption-budget'],
    ]);
    expect([env(order, 'prod').risk, env(order, 'prod').approvalsRequired]).toEqual(['high', 4]);
  });

  it('GIVEN a config change everywhere WHEN ordered THEN config is low risk in dev and sit (their policy) and medium elsewhere', async () => {
    const order = await orderOf(h, commits.config!);
    expect(order.environments.map((e) => [e.env, e.risk, e.approvalsRequired])).toEqual([
      ['dev', 'low', 1],
      ['sit', 'low', 1],
      ['uat', 'medium', 2],
      ['staging', 'medium', 2],
      ['prod', 'medium', 3],
      ['dr', 'medium', 3],
    ]);
    const dev = order.changes.filter((c) => c.env === 'dev');
    expect(dev.map((c) => [c.kind, c.object, c.fields.map((f) => f.path)])).toEqual([
      ['config', 'apps/v1/Deployment/claims/claims-api', ['spec.template.spec.containers[claims-api].env']],
      ['config', 'v1/ConfigMap/claims/claims-api-config', ['data["application.yaml"]']],
    ]);
    expect(dev[1]!.fields[0]).toMatchObject({
      before: expect.stringContaining('feature: a'),
      after: expect.stringContaining('feature: b'),
    });
  });

  it('GIVEN a plain-text token and Secret data in a manifest WHEN ordered THEN neither value appears in Markdown or JSON', async () => {
    const order = await orderOf(h, commits.secret!);
    const md = releaseOrderMarkdown(order).join('\n');
    const json = releaseOrderJson(order);
    for (const text of [md, json]) {
      expect(text).not.toContain('tok-s3cr3t-4711');
      expect(text).not.toContain('dG9rLXMzY3IzdC00NzEx');
      expect(text).toContain('PARTNER_API_TOKEN');
    }
    const tokenChange = order.changes.find((c) => c.kind === 'config')!;
    expect(tokenChange.fields).toEqual([
      expect.objectContaining({
        path: 'spec.template.spec.containers[claims-api].env[PARTNER_API_TOKEN]',
        after: { name: 'PARTNER_API_TOKEN', value: '<redacted>' },
      }),
    ]);
    expect(order.changes.find((c) => c.kind === 'added')!.object).toBe('v1/Secret/claims/claims-partner');
  });

  it('GIVEN only reordered env vars, ports and keys WHEN ordered THEN there is no change', async () => {
    expect(h.read('manifests/dev/apps/claims-api.yaml')).not.toBe(
      h.git(['show', `${commits.reorder}^:manifests/dev/apps/claims-api.yaml`]),
    );
    const order = await orderOf(h, commits.reorder!);
    expect(order.changes).toEqual([]);
    expect(order.environments).toEqual([]);
  });

  it('GIVEN a range of several commits WHEN ordered THEN the changes add up, in promotion order', async () => {
    const order = await buildReleaseOrder(h.root, commits.devImage!, commits.scaleUp!);
    expect(order.environments.map((e) => e.env)).toEqual(['prod', 'dr']);
    expect(order.changes.map((c) => `${c.env} ${c.app} ${c.kind}`)).toEqual([
      'prod claims-api image',
      'prod quote-api scale',
      'dr claims-api image',
    ]);
  });

  it('fails naming the revision when base is no commit', async () => {
    await expect(buildReleaseOrder(h.root, 'no-such-branch', 'HEAD')).rejects.toThrow(
      /'no-such-branch' is not a commit/,
    );
  });
});

describe('rollout plans of CloneSets and Kruise/Argo Rollouts', () => {
  let h: History;
  const commits: Record<string, string> = {};

  const cloneSet = (image: string, level: string): KubeObject => ({
    apiVersion: 'apps.kruise.io/v1alpha1',
    kind: 'CloneSet',
    metadata: {
      name: 'partner-gw',
      namespace: 'partners',
      labels: { 'app.kubernetes.io/name': 'partner-gw', 'app.kubernetes.io/version': image.split(':')[1]! },
    },
    spec: {
      replicas: 4,
      updateStrategy: { type: 'InPlaceIfPossible', maxUnavailable: 1 },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'partner-gw' } },
        spec: {
          containers: [
            {
              name: 'gw',
              image: `registry.insure.example/partners/gw:${image.split(':')[1]}`,
              env: [{ name: 'LOG_LEVEL', value: level }],
            },
          ],
        },
      },
    },
  });
  const kruiseRollout = (env: string): KubeObject => ({
    apiVersion: 'rollouts.kruise.io/v1beta1',
    kind: 'Rollout',
    metadata: {
      name: 'partner-gw',
      namespace: 'partners',
      labels: { 'app.kubernetes.io/name': 'partner-gw', 'platform.insure.example/environment': env },
    },
    spec: {
      workloadRef: { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'partner-gw' },
      strategy: {
        canary: {
          steps: [{ replicas: 1, pause: {} }, { replicas: '50%', pause: { duration: 600 } }, { replicas: '100%' }],
        },
      },
    },
  });
  const argoRollout = (image: string): KubeObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'quote-canary', namespace: 'pricing' },
    spec: {
      replicas: 5,
      template: { spec: { containers: [{ name: 'q', image }] } },
      strategy: {
        canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '10m' } }] },
      },
    },
  });

  beforeAll(async () => {
    h = await History.create({ 'claims-api': service('claims-api') });
    const write = (image: string, level: string): void => {
      for (const e of ['dev', 'prod'])
        h.write(
          `manifests/${e}/apps/partner-gw.yaml`,
          toYaml([
            cloneSet(image, level),
            kruiseRollout(e),
            argoRollout(`registry.insure.example/pricing/quote:${image.split(':')[1]}`),
          ]),
        );
    };
    write('gw:1.0.0', 'info');
    for (const e of ['dev', 'prod']) h.list(e, 'apps/partner-gw.yaml');
    h.commit('Add partner gateway as a CloneSet with staged batches');
    write('gw:1.1.0', 'info');
    commits.imageOnly = h.commit('Partner gateway 1.1.0');
    write('gw:1.1.0', 'debug');
    commits.envChange = h.commit('Partner gateway debug logs');
  }, 120_000);

  afterAll(() => h.cleanup());

  it('GIVEN an image-only CloneSet update WHEN ordered THEN it stays in place, in the Kruise Rollout batches, and keeps prod at medium risk', async () => {
    const order = await orderOf(h, commits.imageOnly!);
    const prod = env(order, 'prod');
    const plan = prod.apps[0]!.rollout.find((p) => p.workload === 'CloneSet')!;
    expect(plan).toMatchObject({
      pods: 'replaced',
      inPlace: true,
      recreatedBy: [],
      steppedBy: 'rollouts.kruise.io/v1beta1/Rollout/partners/partner-gw',
    });
    expect(plan.steps).toEqual([
      {
        text: '1 pod, manual gate (decide with npm run -s verify -- --env prod --app partner-gw)',
        manualGate: true,
        check: 'npm run -s verify -- --env prod --app partner-gw',
      },
      { text: '50% of pods, wait 600s', manualGate: false },
      { text: '100% of pods', manualGate: false },
    ]);
    expect(plan.strategy).toContain('InPlaceIfPossible');
    expect(prod.risk).toBe('medium');
  });

  it('GIVEN a CloneSet env change WHEN ordered THEN pods are recreated with new IPs: high risk in prod by its policy, medium in dev', async () => {
    const order = await orderOf(h, commits.envChange!);
    const plan = env(order, 'prod').apps[0]!.rollout.find((p) => p.workload === 'CloneSet')!;
    expect(plan.inPlace).toBe(false);
    expect(plan.recreatedBy).toEqual(['spec.template.spec.containers[0].env[0].value']);
    const change = order.changes.find((c) => c.env === 'prod' && c.object.includes('CloneSet'))!;
    expect(change).toMatchObject({ kind: 'config', risk: 'high', triggers: ['config', 'pod-ip-change'] });
    expect(env(order, 'prod').risk).toBe('high');
    expect(env(order, 'dev').risk).toBe('medium');
    expect(releaseOrderMarkdown(order)[0]).toContain('pods are recreated and get new IPs');
  });

  it('GIVEN an Argo Rollout with its own template WHEN its image changes THEN its canary steps and gates are the plan', async () => {
    const order = await orderOf(h, commits.imageOnly!);
    const plan = env(order, 'dev').apps[0]!.rollout.find((p) => p.workload === 'Rollout')!;
    expect(plan.strategy).toBe('canary');
    expect(plan.steps.map((s) => s.text)).toEqual(['20% traffic', 'manual gate', '50% traffic', 'wait 10m']);
  });
});

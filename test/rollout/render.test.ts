import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inPlaceVerdict } from '../../lib/rollout/inplace.ts';
import { rolloutPlanOf } from '../../lib/rollout/plan.ts';
import { schemaErrors } from '../../lib/validate/schema.ts';
import { service } from '../fixture.ts';
import { editEnvironment, find, rendered, repo } from './helpers.ts';

const gateway = (extra: Record<string, unknown> = {}) =>
  service('partner-gateway', { team: 'partners', replicas: 3, rollout: { fixedIp: true }, ...extra });

describe('lossless rolling', () => {
  it('never takes a ready pod away, surges a bounded number and holds stopping pods in prod', async () => {
    const root = repo({ 'claims-api': service('claims-api', { runtime: 'spring-boot', replicas: 3 }) });
    const { objects } = await rendered(root, 'prod', 'claims-api');
    const d = find(objects, 'Deployment');
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
    expect(d.spec.minReadySeconds).toBe(10);
    const pod = d.spec.template.spec;
    // 1.27 has no native sleep action: the image's sleep runs as an exec hook.
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '15'] } } });
    expect(pod.containers[0].readinessProbe.httpGet.path).toBe('/ready');
    expect(pod.containers[0].startupProbe.httpGet.path).toBe('/ready');
    // preStop 15 s + drain 20 s + 5 s to exit.
    expect(pod.terminationGracePeriodSeconds).toBe(40);
    expect(pod.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'SERVER_SHUTDOWN', value: 'graceful' },
        { name: 'SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE', value: '20s' },
      ]),
    );
    expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    expect(find(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(d.metadata.annotations).toMatchObject({
      'platform.insure.example/rollout-strategy': 'rolling',
      'platform.insure.example/drain-seconds': '20',
    });
  });

  it('rolls fast in dev: full surge, a quarter unavailable, short hold', async () => {
    const root = repo({ 'claims-api': service('claims-api') });
    const d = find((await rendered(root, 'dev', 'claims-api')).objects, 'Deployment');
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: '100%', maxUnavailable: '25%' });
    expect(d.spec.minReadySeconds).toBe(0);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(15);
  });

  it('uses the native sleep action once the cluster runs Kubernetes 1.30, even for a shell-less image', async () => {
    const root = repo({ 'claims-api': service('claims-api', { rollout: { shell: false } }) });
    // dr takes its cluster facts from prod.
    for (const env of ['dev', 'sit', 'uat', 'staging', 'prod'])
      editEnvironment(root, env, "kubernetesVersion: '1.27'", "kubernetesVersion: '1.30'");
    const d = find((await rendered(root, 'prod', 'claims-api')).objects, 'Deployment');
    expect(d.spec.template.spec.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
    expect(schemaErrors(d)).toEqual([]);
  });

  it('lets a shell-less app hold itself: no hook, its delay counted in the grace period', async () => {
    const root = repo({
      'claims-api': service('claims-api', { rollout: { shell: false, shutdownDelaySeconds: 20, drainSeconds: 10 } }),
    });
    const d = find((await rendered(root, 'prod', 'claims-api')).objects, 'Deployment');
    expect(d.spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(35);
    expect(d.metadata.annotations?.['platform.insure.example/shutdown-delay-seconds']).toBe('20');
  });

  it('gives a worker no preStop hold (nothing routes to it) but covers its drain', async () => {
    const root = repo({
      worker: {
        name: 'worker',
        team: 'claims',
        image: 'registry.insure.example/claims/worker',
        kind: 'worker',
        replicas: 2,
        rollout: { drainSeconds: 60 },
      },
    });
    const d = find((await rendered(root, 'prod', 'worker')).objects, 'Deployment');
    expect(d.spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(65);
    expect(d.spec.minReadySeconds).toBe(0);
  });
});

describe('in-place upgrade', () => {
  it('renders a fixed-IP app in prod as a CloneSet updated InPlaceOnly, without surge pods', async () => {
    const root = repo({ 'partner-gateway': gateway() });
    const { objects } = await rendered(root, 'prod', 'partner-gateway');
    expect(objects.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'Service',
      'CloneSet',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]);
    const cs = find(objects, 'CloneSet');
    expect(cs.apiVersion).toBe('apps.kruise.io/v1alpha1');
    expect(cs.spec.updateStrategy).toEqual({
      type: 'InPlaceOnly',
      partition: 0,
      maxUnavailable: 1,
      maxSurge: 0,
      inPlaceUpdateStrategy: { gracePeriodSeconds: 15 },
    });
    expect(cs.spec.template.spec.readinessGates).toEqual([{ conditionType: 'InPlaceUpdateReady' }]);
    expect(cs.spec.template.spec.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    expect(cs.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'partner-gateway' } });
    expect(cs.metadata.labels?.['platform.insure.example/environment']).toBe('prod');
    expect(schemaErrors(cs)).toEqual([]);
    expect(rolloutPlanOf(objects)?.strategy).toBe('in-place');
  });

  it('keeps the Deployment where the environment rolls fixed-IP apps (uat)', async () => {
    const root = repo({ 'partner-gateway': gateway() });
    expect((await rendered(root, 'uat', 'partner-gateway')).objects.map((o) => o.kind)).toContain('Deployment');
  });

  it('updates a CloneSet in place when only the version changes, and recreates pods when the pod spec changes', async () => {
    const root = repo({ 'partner-gateway': gateway({ env: { MODE: 'a' } }) });
    const before = find((await rendered(root, 'prod', 'partner-gateway')).objects, 'CloneSet');
    const bumped = repo({ 'partner-gateway': gateway({ env: { MODE: 'a' } }) });
    writeFileSync(
      join(bumped, 'environments', 'prod', 'versions.json'),
      JSON.stringify({ 'partner-gateway': { tag: '1.1.0', digest: `sha256:${'b'.repeat(64)}` } }),
    );
    const after = find((await rendered(bumped, 'prod', 'partner-gateway')).objects, 'CloneSet');
    expect(inPlaceVerdict(before, after)).toEqual({ inPlace: true, recreatedBy: [] });
    const changed = repo({ 'partner-gateway': gateway({ env: { MODE: 'b' } }) });
    const recreated = find((await rendered(changed, 'prod', 'partner-gateway')).objects, 'CloneSet');
    expect(inPlaceVerdict(before, recreated).recreatedBy).toEqual(['spec.template.spec.containers[0].env[0].value']);
  });

  it('scales a CloneSet with an autoscaler that targets it', async () => {
    const root = repo({
      'partner-gateway': gateway({ replicas: undefined, autoscaling: { minReplicas: 3, maxReplicas: 9 } }),
    });
    const { objects } = await rendered(root, 'prod', 'partner-gateway');
    expect(find(objects, 'CloneSet').spec.replicas).toBeUndefined();
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps.kruise.io/v1alpha1',
      kind: 'CloneSet',
      name: 'partner-gateway',
    });
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 9 });
    expect(schemaErrors(hpa)).toEqual([]);
  });

  it('scales a CloneSet as fast as a Deployment: one autoscaler behaviour whatever owns the pods', async () => {
    const autoscaling = { minReplicas: 3, maxReplicas: 9 };
    const root = repo({
      'partner-gateway': gateway({ replicas: undefined, autoscaling }),
      'quote-api': service('quote-api', { replicas: undefined, autoscaling }),
    });
    const behavior = async (app: string) =>
      find((await rendered(root, 'prod', app)).objects, 'HorizontalPodAutoscaler').spec.behavior;
    expect(await behavior('partner-gateway')).toEqual(await behavior('quote-api'));
    expect(await behavior('partner-gateway')).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 60 },
          { type: 'Percent', value: 200, periodSeconds: 60 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 3, periodSeconds: 300 }],
      },
    });
    expect(find((await rendered(root, 'prod', 'quote-api')).objects, 'Deployment').spec.replicas).toBeUndefined();
  });
});

describe('staged batches', () => {
  it('releases a critical app in prod in gated batches, each batch in place on a CloneSet', async () => {
    const root = repo({
      payments: service('payments', { team: 'payments', replicas: 6, rollout: { critical: true } }),
    });
    const { objects } = await rendered(root, 'prod', 'payments');
    const cs = find(objects, 'CloneSet');
    expect(cs.spec.updateStrategy).toEqual({
      type: 'InPlaceIfPossible',
      maxUnavailable: 1,
      maxSurge: '25%',
      inPlaceUpdateStrategy: { gracePeriodSeconds: 15 },
    });
    const rollout = find(objects, 'Rollout');
    expect(rollout.apiVersion).toBe('rollouts.kruise.io/v1beta1');
    expect(rollout.spec).toEqual({
      workloadRef: { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'payments' },
      strategy: {
        canary: {
          enableExtraWorkloadForCanary: false,
          steps: [{ replicas: '10%', pause: {} }, { replicas: '50%', pause: { duration: 600 } }, { replicas: '100%' }],
        },
      },
    });
    expect(schemaErrors(rollout)).toEqual([]);
    expect(rolloutPlanOf(objects)).toMatchObject({
      strategy: 'batches',
      manualGate: true,
      batches: [
        // biome-ignore lint/suspicious/noThenProperty: `then` names what follows a batch in the plan
        { replicas: '10%', then: 'confirm' },
        // biome-ignore lint/suspicious/noThenProperty: as above
        { replicas: '50%', then: { waitSeconds: 600 } },
        // biome-ignore lint/suspicious/noThenProperty: as above
        { replicas: '100%', then: 'continue' },
      ],
    });
  });

  it('renders batches that go on by themselves with a zero pause (Kruise waits for approval on a step without one)', async () => {
    const root = repo({
      payments: service('payments', {
        replicas: 3,
        rollout: { strategy: 'batches', batches: [{ percent: 20 }, { percent: 100 }] },
      }),
    });
    const rollout = find((await rendered(root, 'uat', 'payments')).objects, 'Rollout');
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { replicas: '20%', pause: { duration: 0 } },
      { replicas: '100%' },
    ]);
  });

  it('drives the Deployment where the cluster runs no OpenKruise workloads', async () => {
    const root = repo({ payments: service('payments', { replicas: 3, rollout: { strategy: 'batches' } }) });
    editEnvironment(root, 'uat', 'openKruise: true', 'openKruise: false');
    const { objects } = await rendered(root, 'uat', 'payments');
    expect(objects.map((o) => o.kind)).not.toContain('CloneSet');
    expect(find(objects, 'Rollout').spec.workloadRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'payments',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { springDurationSeconds } from '../../lib/rollout/policy.ts';
import { synth } from '../../lib/render/synth.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { checkPolicy } from '../../lib/validate/policy.ts';
import { schemaErrors } from '../../lib/validate/schema.ts';
import { service } from '../fixture.ts';
import { find, rendered, repo } from './helpers.ts';

/** Findings of the rollout rules on every object of one rendered file. */
function rolloutFindings(
  objects: KubeObject[],
  env: EnvironmentSpec,
): { rule: string; message: string; fix: string }[] {
  return objects.flatMap((o) => checkPolicy(o, env, { file: objects })).filter((f) => f.rule.startsWith('rollout-'));
}

async function prodFile(spec = service('claims-api', { runtime: 'spring-boot', replicas: 3 }), env = 'prod') {
  return rendered(repo({ [spec.name]: spec }), env, spec.name);
}

describe('rollout safety rules', () => {
  it('pass every rendered strategy', async () => {
    for (const spec of [
      service('claims-api', { replicas: 3 }),
      service('gw', { replicas: 3, rollout: { fixedIp: true } }),
      service('pay', { replicas: 6, rollout: { critical: true } }),
    ]) {
      const { objects, env } = await prodFile(spec);
      expect(rolloutFindings(objects, env)).toEqual([]);
    }
  });

  it('fails rollout-grace-period when the grace period does not cover the preStop delay and the drain', async () => {
    const { objects, env } = await prodFile();
    find(objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds = 35;
    expect(rolloutFindings(objects, env)).toEqual([
      {
        rule: 'rollout-grace-period',
        message:
          'terminationGracePeriodSeconds (35) is not above the preStop delay (15 s) plus the drain (20 s): the kubelet kills the container while requests are still in flight',
        fix: 'render it from the spec with `npm run synth` (the grace period becomes preStop + drain + 5 s), or lower rollout.drainSeconds',
      },
    ]);
  });

  it("fails rollout-grace-period when an app's own Spring shutdown timeout outlasts the grace period", async () => {
    const root = repo({
      'claims-api': service('claims-api', {
        runtime: 'spring-boot',
        replicas: 3,
        env: { SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE: '1m' },
      }),
    });
    await expect(synth(root)).rejects.toThrow(
      '[rollout-grace-period]: terminationGracePeriodSeconds (40) is not above the preStop delay (15 s) plus the drain (60 s)',
    );
  });

  it('fails rollout-max-unavailable when an update takes pods away below the replica floor', async () => {
    const { objects, env } = await prodFile(service('claims-api', { replicas: 2 }), 'staging');
    find(objects, 'Deployment').spec.strategy.rollingUpdate.maxUnavailable = 1;
    expect(rolloutFindings(objects, env).map((f) => f.message)).toEqual([
      'maxUnavailable (1) takes pods out of service during an update with only 2 replica(s); staging allows that from 3 replicas',
    ]);
  });

  it('fails rollout-max-unavailable for an in-place app with two replicas in dr', async () => {
    const root = repo({ gw: service('gw', { rollout: { fixedIp: true } }) });
    await expect(synth(root)).rejects.toThrow(
      'manifests/dr/apps/gw.yaml apps.kruise.io/v1alpha1/CloneSet/claims/gw [rollout-max-unavailable]: maxUnavailable (1) takes pods out of service during an update with only 2 replica(s); dr allows that from 3 replicas',
    );
  });

  it('fails rollout-readiness-probe when a container behind a Service has none', async () => {
    const { objects, env } = await prodFile();
    delete find(objects, 'Deployment').spec.template.spec.containers[0].readinessProbe;
    expect(rolloutFindings(objects, env).map((f) => f.message)).toEqual([
      "container 'claims-api' is behind a Service but has no readiness probe: it gets requests before it can answer them and while it shuts down",
    ]);
  });

  it('fails rollout-pdb-required when two or more replicas have no PodDisruptionBudget', async () => {
    const { objects, env } = await prodFile();
    const withoutPdb = objects.filter((o) => o.kind !== 'PodDisruptionBudget');
    expect(rolloutFindings(withoutPdb, env)).toEqual([
      {
        rule: 'rollout-pdb-required',
        message: '3 replicas and no PodDisruptionBudget selects them: a node drain may evict every pod at once',
        fix: 'render the app with `npm run synth`; the platform adds a PodDisruptionBudget from two replicas',
      },
    ]);
  });

  it('fails rollout-pdb-allows-eviction on a budget that blocks every eviction', async () => {
    const { objects, env } = await prodFile();
    const pdb = find(objects, 'PodDisruptionBudget');
    pdb.spec.maxUnavailable = 0;
    expect(rolloutFindings(objects, env).map((f) => f.message)).toEqual([
      'maxUnavailable is 0: no pod can ever be evicted, so node drains and cluster upgrades hang',
    ]);
    delete pdb.spec.maxUnavailable;
    pdb.spec.minAvailable = 3;
    expect(rolloutFindings(objects, env).map((f) => f.message)).toEqual([
      'minAvailable (3) is not below the 3 replica(s) it guards: no pod can be evicted',
    ]);
    pdb.spec.minAvailable = 2;
    expect(rolloutFindings(objects, env)).toEqual([]);
  });

  it('fails rollout-in-place-capable on a CloneSet without the InPlaceUpdateReady gate', async () => {
    const { objects, env } = await prodFile(service('gw', { replicas: 3, rollout: { fixedIp: true } }));
    delete find(objects, 'CloneSet').spec.template.spec.readinessGates;
    expect(rolloutFindings(objects, env).map((f) => f.message)).toEqual([
      'the pod template lacks the InPlaceUpdateReady readiness gate: pods stay in the Service endpoints while their image is swapped, so requests reach a restarting container',
    ]);
  });

  it('fails rollout-in-place-capable on an in-place workload that recreates its pods', async () => {
    const { objects, env } = await prodFile(service('gw', { replicas: 3, rollout: { fixedIp: true } }));
    find(objects, 'CloneSet').spec.updateStrategy.type = 'ReCreate';
    expect(rolloutFindings(objects, env).map((f) => f.message)).toEqual([
      "the rollout is 'in-place' but this CloneSet recreates its pods on every update, which changes their IPs",
    ]);
  });

  it('fails rollout-in-place-capable when the pod spec carries the version, so no release can stay in place', async () => {
    const root = repo({
      gw: service('gw', { replicas: 3, rollout: { fixedIp: true }, env: { APP_VERSION: '1.0.0' } }),
    });
    await expect(synth(root)).rejects.toThrow(
      "[rollout-in-place-capable]: spec.template.spec.containers[0].env[0].value holds the version '1.0.0': every release changes it, and OpenKruise can only change images and pod metadata in place, so each release recreates the pods and changes their IPs",
    );
  });

  it('fails rollout-manual-gate when batches in prod never wait for a person', async () => {
    const root = repo({
      pay: service('pay', {
        replicas: 6,
        rollout: { critical: true, batches: [{ percent: 20, pauseSeconds: 300 }, { percent: 100 }] },
      }),
    });
    await expect(synth(root)).rejects.toThrow(
      'manifests/prod/apps/pay.yaml rollouts.kruise.io/v1beta1/Rollout/claims/pay [rollout-manual-gate]: the batches run through to 100% without waiting for a person; prod requires a manual gate',
    );
  });

  it('fails rollout-same-strategy-in-wave when dr releases an app differently from prod', async () => {
    const root = repo({
      pay: service('pay', {
        replicas: 6,
        rollout: { critical: true },
        overrides: { dr: { replicas: 3, rollout: { strategy: 'rolling' } } },
      }),
    });
    await expect(synth(root)).rejects.toThrow(
      "manifests/dr/apps/pay.yaml apps/v1/Deployment/claims/pay [rollout-same-strategy-in-wave]: 'pay' is released with 'batches' in prod but 'rolling' in dr, which is released with prod in the same release order",
    );
  });

  it('reads Spring Boot shutdown timeouts in every unit Spring accepts', () => {
    expect([
      springDurationSeconds('20s'),
      springDurationSeconds('1m'),
      springDurationSeconds('30000'),
      springDurationSeconds('PT45S'),
    ]).toEqual([20, 60, 30, 45]);
  });
});

describe('OpenKruise schemas', () => {
  it('fails a CloneSet with an unknown update type, a misspelt field and a bad pod template, naming each path', async () => {
    const { objects } = await prodFile(service('gw', { replicas: 3, rollout: { fixedIp: true } }));
    const cs = find(objects, 'CloneSet');
    cs.spec.updateStrategy.type = 'Rolling';
    cs.spec.updateStrategy.maxUnavaliable = 1;
    cs.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(schemaErrors(cs)).toEqual([
      '/spec/updateStrategy/type must be equal to one of the allowed values (allowed: ["ReCreate","InPlaceIfPossible","InPlaceOnly"])',
      "/spec/updateStrategy must NOT have additional property 'maxUnavaliable'",
      '/spec/template/spec/containers/0/ports/0/containerPort must be integer',
    ]);
  });

  it('fails a CloneSet whose selector does not match its pods', async () => {
    const { objects } = await prodFile(service('gw', { replicas: 3, rollout: { fixedIp: true } }));
    const cs = find(objects, 'CloneSet');
    cs.spec.selector.matchLabels['app.kubernetes.io/name'] = 'other';
    expect(schemaErrors(cs)).toEqual([
      '/spec/selector/matchLabels selects label app.kubernetes.io/name=other, which the pod template does not carry',
    ]);
  });

  it('fails a Rollout without a workload and with a bad step', async () => {
    const { objects } = await prodFile(service('pay', { replicas: 6, rollout: { critical: true } }));
    const rollout = find(objects, 'Rollout');
    delete rollout.spec.workloadRef;
    rollout.spec.strategy.canary.steps[0].replicas = 'ten percent';
    expect(schemaErrors(rollout)).toEqual([
      "/spec must have required property ('workloadRef')",
      "/spec/strategy/canary/steps/0/replicas must be a non-negative integer or a percentage such as '10%'",
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { loadProject } from '../../lib/spec/project.ts';
import { service } from '../fixture.ts';
import { editEnvironment, repo } from '../rollout/helpers.ts';

/** The report of a rejected load. */
async function problems(root: string): Promise<string> {
  try {
    await loadProject(root);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the project loaded without problems');
}

describe('rollout spec checks', () => {
  it('fails a shell-less image on Kubernetes 1.27 that declares no shutdown delay, explaining why', async () => {
    const root = repo({ 'claims-api': service('claims-api', { rollout: { shell: false } }) });
    const report = await problems(root);
    expect(report).toContain(
      "apps/claims-api.ts: 'rollout.shutdownDelaySeconds' ((missing)): the image has no shell, so no preStop 'sleep' can run, and dev (1.27), dr (1.27), prod (1.27), sit (1.27), staging (1.27), uat (1.27) have no native sleep action (Kubernetes 1.30+): the pod would stop at once while kube-proxy and the ingress controllers still send it requests, which then fail. Fix: set rollout.shutdownDelaySeconds",
    );
  });

  it('fails a shutdown delay shorter than the endpoint propagation the environment needs', async () => {
    const root = repo({ 'claims-api': service('claims-api', { rollout: { shell: false, shutdownDelaySeconds: 8 } }) });
    expect(await problems(root)).toContain(
      "'rollout.shutdownDelaySeconds' (8): shorter than the 10 s uat needs for its endpoints to be dropped everywhere (rollout.preStopSeconds). Fix: raise it to at least 10",
    );
  });

  it('fails a fixed-IP app that asks for a rolling update', async () => {
    const root = repo({
      gw: service('gw', { rollout: { fixedIp: true }, overrides: { prod: { rollout: { strategy: 'rolling' } } } }),
    });
    expect(await problems(root)).toContain(
      'apps/gw.ts: \'overrides.prod.rollout.strategy\' ("rolling"): a rolling update replaces pods, so their IPs change, but the app declares rollout.fixedIp',
    );
  });

  it('fails a cronjob with an in-place strategy', async () => {
    const root = repo({
      nightly: {
        name: 'nightly',
        team: 'policy',
        image: 'registry.insure.example/policy/nightly',
        kind: 'cronjob',
        schedule: '0 1 * * *',
        rollout: { strategy: 'in-place' },
      },
    });
    expect(await problems(root)).toContain(
      'apps/nightly.ts: \'rollout.strategy\' ("in-place"): a cronjob runs to completion and is never rolled out',
    );
  });

  it('fails batches that shrink, do not end at 100 %, or wait after the last batch', async () => {
    const root = repo({
      pay: service('pay', {
        rollout: {
          strategy: 'batches',
          batches: [
            { percent: 50, manual: true },
            { percent: 20, pauseSeconds: 60, manual: true },
            { percent: 90, pauseSeconds: 60 },
          ],
        },
      }),
    });
    const report = await problems(root);
    expect(report).toContain("'rollout.batches[1].percent' (20): does not grow past the batch before (50%)");
    expect(report).toContain(
      "'rollout.batches[1].pauseSeconds' (60): a batch either waits for a person (manual) or for a time, not both",
    );
    expect(report).toContain(
      "'rollout.batches[2].percent' (90): the last batch must bring every pod to the new version. Fix: end with { percent: 100 }",
    );
    expect(report).toContain(
      '\'rollout.batches[2]\' ({"percent":90,"pauseSeconds":60}): the last batch ends the release; there is nothing left to wait for',
    );
  });

  it('fails an in-place app in an environment whose cluster runs no OpenKruise', async () => {
    const root = repo({ gw: service('gw', { rollout: { strategy: 'in-place' } }) });
    editEnvironment(root, 'sit', 'openKruise: true', 'openKruise: false');
    expect(await problems(root)).toContain(
      "apps/gw.ts: 'rollout.strategy' (\"in-place\"): sit's cluster runs no OpenKruise, so there is no CloneSet to update pods in place. Fix: use 'rolling' or 'batches' there",
    );
  });

  it('fails an environment whose default strategy its cluster cannot run', async () => {
    const root = repo({});
    editEnvironment(root, 'prod', "batchController: 'kruise-rollout'", "batchController: 'none'");
    expect(await problems(root)).toContain(
      'environments/prod/environment.ts: \'rollout.criticalStrategy\' ("batches"): environments/prod runs no batch controller, so nothing would hold the release between batches',
    );
  });

  it('fails a rollout policy that lets a rolling update neither surge nor take pods away', async () => {
    const root = repo({});
    editEnvironment(root, 'dev', 'maxSurgePercent: 100,', 'maxSurgePercent: 0,');
    editEnvironment(root, 'dev', 'maxUnavailablePercent: 25,', 'maxUnavailablePercent: 0,');
    expect(await problems(root)).toContain(
      "environments/dev/environment.ts: 'rollout.maxSurgePercent' (0): with no surge and no unavailable pods a rolling update can never start a new pod",
    );
  });

  it('fails a misspelt rollout field, suggesting the right one', async () => {
    const root = repo({ gw: service('gw', { rollout: { stratgy: 'in-place' } as never }) });
    expect(await problems(root)).toContain(
      "apps/gw.ts: 'rollout.stratgy' (\"in-place\"): unknown field. Fix: did you mean 'strategy'? Rename it",
    );
  });

  it('fails an unknown strategy, listing the allowed ones', async () => {
    const root = repo({ gw: service('gw', { rollout: { strategy: 'canary' } as never }) });
    expect(await problems(root)).toContain(
      'apps/gw.ts: \'rollout.strategy\' ("canary"): not an allowed value. Fix: use one of "rolling", "in-place", "batches"',
    );
  });
});

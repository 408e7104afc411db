import { describe, expect, it } from 'vitest';
import { App } from 'cdk8s';
import { FEATURES, FEATURE_RULES } from '../../lib/features/index.ts';
import { appChart, renderApp } from '../../lib/render/render.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import type { ResolvedApp } from '../../lib/spec/resolve.ts';
import { RULES } from '../../lib/validate/policy.ts';
import { service, tempRepo } from '../fixture.ts';
import { find } from '../rollout/helpers.ts';

/** The resolved apps of a throwaway repository holding `apps`, in `env`. */
async function resolved(apps: Record<string, unknown>, env: string): Promise<ResolvedApp[]> {
  const root = tempRepo({ apps });
  return resolveProject(await loadProject(root)).filter((a) => a.environment.name === env);
}

describe('the feature list', () => {
  it('lists the workload first, then rollout, observability and logging', () => {
    expect(FEATURES.map((f) => f.name)).toEqual(['workload', 'rollout', 'observability', 'logging']);
  });

  it("gives validation every feature's rules, each once", () => {
    // GIVEN the rules the features bring
    const ids = FEATURE_RULES.map((r) => r.id);
    // THEN validation runs each of them exactly once
    expect(ids).toContain('fluent-bit-config');
    for (const id of ids) expect(RULES.filter((r) => r.id === id)).toHaveLength(1);
  });

  it("applies every feature's pod change to the app's workload, in the order of the list", async () => {
    // GIVEN a Spring Boot service with a log directory, which gets a preStop hold
    const [app] = await resolved(
      { 'claims-api': service('claims-api', { runtime: 'spring-boot', logs: { dir: '/home/admin/logs' } }) },
      'prod',
    );
    // WHEN it is built, and its changes are counted
    const { podChanges } = appChart(new App(), app!.name, app!);
    const pod = find(renderApp(app!), 'Deployment').spec.template.spec;
    // THEN the workload, rollout, observability and logging features each changed the pod
    expect(podChanges).toHaveLength(4);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.containers[0].lifecycle.preStop).toBeDefined();
    // the heap dump volume (observability) comes before the collector's volumes (logging)
    const names: string[] = pod.volumes.map((v: { name: string }) => v.name);
    expect(names.indexOf('heap-dumps')).toBeGreaterThan(-1);
    expect(names.indexOf('heap-dumps')).toBeLessThan(names.indexOf('app-logs'));
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['claims-api', 'log-collector']);
  });
});

describe('the CloneSet of an in-place app', () => {
  it('runs the same pod the Deployment would, with the in-place readiness gate', async () => {
    // GIVEN a fixed-IP app in prod (a CloneSet), and the same app resolved to keep a Deployment
    const [app] = await resolved(
      {
        'partner-gateway': service('partner-gateway', {
          team: 'partners',
          replicas: 3,
          runtime: 'spring-boot',
          rollout: { fixedIp: true },
          logs: { dir: '/home/admin/logs' },
        }),
      },
      'prod',
    );
    expect(app!.rollout.workload).toBe('CloneSet');
    const asDeployment: ResolvedApp = { ...app!, rollout: { ...app!.rollout, workload: 'Deployment' } };
    // WHEN both are rendered
    const cloneSet = find(renderApp(app!), 'CloneSet');
    const deployment = find(renderApp(asDeployment), 'Deployment');
    // THEN the pod templates are the same but for the gate
    const { readinessGates, ...pod } = cloneSet.spec.template.spec;
    expect(readinessGates).toEqual([{ conditionType: 'InPlaceUpdateReady' }]);
    expect(pod).toEqual(deployment.spec.template.spec);
    expect(cloneSet.spec.template.metadata).toEqual(deployment.spec.template.metadata);
    // and the CloneSet carries the workload's annotations, the rollout's included
    expect(cloneSet.metadata.annotations).toEqual(deployment.metadata.annotations);
  });

  it('renders no Deployment beside the CloneSet', async () => {
    const gateway = service('partner-gateway', { team: 'partners', replicas: 3, rollout: { fixedIp: true } });
    const [app] = await resolved({ 'partner-gateway': gateway }, 'prod');
    expect(renderApp(app!).map((o) => o.kind)).not.toContain('Deployment');
  });
});

import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENVS, REPO_ROOT } from '../fixture.ts';
import { CONTROLLERS, gitOpsProblems } from '../../lib/bootstrap/charts.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';

/** A resource the program registered, as the mocks saw it. */
interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider: string;
}

/**
 * Runs the stack of `env` under mocks with the config of its Pulumi.<env>.yaml; returns what it registered and its
 * outputs.
 */
async function runStackOf(
  env: string,
): Promise<{ resources: Registered[]; outputs: { namespaces: string[]; charts: string[]; environment: string } }> {
  const resources: Registered[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider ?? '' });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'platform-bootstrap',
    env,
    false,
  );
  const stackFile = parse(readFileSync(join(REPO_ROOT, 'delivery', 'pulumi', `Pulumi.${env}.yaml`), 'utf8')) as {
    config: Record<string, unknown>;
  };
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(stackFile.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ),
  );
  const { runStack } = await import('../../lib/bootstrap/program.ts');
  const out = await runStack();
  const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply((v) => r(v)));
  const outputs = {
    namespaces: await resolve(out.namespaces),
    charts: await resolve(out.charts),
    environment: out.environment,
  };
  // The Argo CD objects depend on every other resource, so they register last.
  for (let i = 0; i < 10_000 && resources.filter((r) => r.type.startsWith('kubernetes:argoproj.io/')).length < 2; i++) {
    await new Promise((r) => setImmediate(r));
  }
  return { resources, outputs };
}

describe('cluster bootstrap (Pulumi, under mocks)', () => {
  const project = loadProject(REPO_ROOT);

  for (const env of ENVS) {
    it(`${env}: team namespaces, quotas, limits, RBAC and pinned charts, every resource on the ${env} cluster's provider`, async () => {
      const { resources, outputs } = await runStackOf(env);
      const spec = (await project).environments.find((e) => e.spec.name === env)!.spec;
      const expectedNamespaces = [
        ...new Set(
          resolveProject(await project)
            .filter((a) => a.environment.name === env)
            .map((a) => a.namespace),
        ),
      ].sort();

      // GIVEN the stack config, THEN exactly one provider exists, built from the stack's kubeconfig context.
      const providers = resources.filter((r) => r.type === 'pulumi:providers:kubernetes');
      expect(providers).toHaveLength(1);
      expect(providers[0]!.name).toBe(`${env}-cluster`);
      expect(providers[0]!.inputs.context).toBe(spec.cluster.name);
      expect(providers[0]!.inputs.kubeconfig).toMatch(/\.kube\/insure-clusters\.yaml$/);

      // AND every Kubernetes resource uses it: none falls back to a default provider.
      const components = resources.filter((r) => r.type.startsWith('insure:platform:'));
      const others = resources.filter((r) => r.type.startsWith('kubernetes:'));
      expect(providers.length + components.length + others.length).toBe(resources.length);
      expect(components.map((c) => c.type)).toContain('insure:platform:ClusterBootstrap');
      expect(others.length).toBeGreaterThan(20);
      for (const r of others)
        expect(r.provider, `${r.type} ${r.name}`).toMatch(
          new RegExp(`::pulumi:providers:kubernetes::${env}-cluster::`),
        );

      // AND the team namespaces are those of the environment's apps, Pod Security restricted.
      expect(outputs.environment).toBe(env);
      expect(outputs.namespaces).toEqual(expectedNamespaces);
      const teamNamespaces = others.filter(
        (r) => r.type === 'kubernetes:core/v1:Namespace' && expectedNamespaces.includes(r.inputs.metadata.name),
      );
      expect(teamNamespaces.map((n) => n.inputs.metadata.name).sort()).toEqual(expectedNamespaces);
      for (const ns of teamNamespaces) {
        expect(ns.inputs.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
        expect(ns.inputs.metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe(
          `v${spec.cluster.kubernetesVersion}`,
        );
      }

      // AND each team namespace has the environment's quota and limit range.
      const quotas = others.filter((r) => r.type === 'kubernetes:core/v1:ResourceQuota');
      expect(quotas.map((q) => q.inputs.metadata.namespace).sort()).toEqual(expectedNamespaces);
      for (const q of quotas) {
        expect(q.inputs.spec.hard).toEqual({
          'requests.cpu': spec.tenancy!.quota.requestsCpu,
          'requests.memory': spec.tenancy!.quota.requestsMemory,
          'limits.memory': spec.tenancy!.quota.limitsMemory,
          pods: String(spec.tenancy!.quota.pods),
        });
      }
      const limits = others.filter((r) => r.type === 'kubernetes:core/v1:LimitRange');
      expect(limits).toHaveLength(expectedNamespaces.length);
      expect(limits[0]!.inputs.spec.limits[0].default.memory).toBe(spec.tenancy!.limits.defaultLimitMemory);

      // AND each team's group gets the environment's access in its namespace.
      const bindings = others.filter((r) => r.type === 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding');
      expect(bindings.length).toBeGreaterThanOrEqual(expectedNamespaces.length);
      for (const b of bindings) {
        expect(b.inputs.roleRef.name).toBe(spec.tenancy!.teamAccess);
        expect(b.inputs.subjects[0].name).toMatch(new RegExp(`^${spec.tenancy!.groupPrefix}[a-z-]+$`));
      }

      // AND every controller is a Helm release at its pinned chart version.
      const releases = others.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
      expect(releases.map((r) => `${r.inputs.chart}@${r.inputs.version}`)).toEqual(
        CONTROLLERS.map((c) => `${c.chart}@${c.version}`),
      );
      expect(outputs.charts).toEqual([
        'prometheus-operator-crds@16.0.0',
        'kruise@1.8.0',
        'kruise-rollout@0.6.2',
        'fluent-bit@0.47.0',
        'argo-cd@10.1.1',
      ]);
      for (const r of releases) expect(r.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);

      // AND Kruise runs with TemplateNoDefaults and Argo CD leaves status out of its diff.
      const kruise = releases.find((r) => r.inputs.chart === 'kruise')!;
      expect(kruise.inputs.values.featureGates.split(',')).toContain('TemplateNoDefaults=true');
      const argocd = releases.find((r) => r.inputs.chart === 'argo-cd')!;
      expect(argocd.inputs.values.configs.cm['resource.compareoptions']).toContain('ignoreResourceStatusField: all');

      // AND only the root is created: one AppProject and one Application, both `<env>-root`, the Application
      // syncing delivery/argocd/<env>/ automatically in every environment (each app's sync policy is in git).
      const argoObjects = others.filter((r) => r.type.startsWith('kubernetes:argoproj.io/'));
      const argoNames = argoObjects.map((r) => `${r.inputs.kind}/${r.inputs.metadata.name}`);
      expect(argoNames).toEqual([`AppProject/${env}-root`, `Application/${env}-root`]);
      const root = argoObjects[1]!;
      expect(root.inputs.spec.source).toMatchObject({ path: `delivery/argocd/${env}`, directory: { recurse: true } });
      expect(root.inputs.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
      expect(root.inputs.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
      expect(root.inputs.metadata.finalizers).toBeUndefined();
      const bootstrapText = readFileSync(join(REPO_ROOT, 'delivery', 'argocd', 'bootstrap', `${env}.yaml`), 'utf8');
      const bootstrapFile = parse(bootstrapText.split('---\n')[2]!);
      expect(bootstrapFile.spec).toEqual(root.inputs.spec);
    });
  }

  it('every stack disables default providers and names its own environment', () => {
    for (const env of ENVS) {
      const stack = parse(readFileSync(join(REPO_ROOT, 'delivery', 'pulumi', `Pulumi.${env}.yaml`), 'utf8')) as {
        config: Record<string, unknown>;
      };
      expect(stack.config['pulumi:disable-default-providers']).toEqual(['*']);
      expect(stack.config['platform-bootstrap:environment']).toBe(env);
    }
  });

  it('fails the GitOps readiness check when a controller loses the Kruise gate or the status-free compare', () => {
    // GIVEN the pinned controllers THEN nothing is missing
    expect(gitOpsProblems(CONTROLLERS)).toEqual([]);
    // WHEN kruise falls back to the chart's default gates and Argo CD loses its compare options
    const broken = CONTROLLERS.map((c) =>
      c.name === 'kruise' ? { ...c, values: {} } : c.name === 'argo-cd' ? { ...c, values: { configs: { cm: {} } } } : c,
    );
    // THEN both are named with their fix
    const problems = gitOpsProblems(broken);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('kruise \'values.featureGates\' ("") lacks TemplateNoDefaults=true');
    expect(problems[1]).toContain("Fix: set 'ignoreResourceStatusField: all'");
  });

  it('fails when the stack context is not the environment cluster', async () => {
    pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
      'platform-bootstrap',
      'prod',
      false,
    );
    const { bootstrapCluster } = await import('../../lib/bootstrap/program.ts');
    await expect(
      bootstrapCluster({ environment: 'prod', kubeconfig: '/tmp/kubeconfig', context: 'dev-cn-east-1' }),
    ).rejects.toThrow(
      "stack config 'platform-bootstrap:context' (dev-cn-east-1) is not the context of prod's cluster 'prod-cn-east-1' (environments/prod/environment.ts)",
    );
  });
});

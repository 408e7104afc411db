/**
 * Pulumi components that prepare a bare cluster for GitOps. Every child is
 * created with `{ parent: this, provider }`: the provider is the one built
 * from the stack's kubeconfig context, never the ambient kubeconfig.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { EnvironmentSpec, TenancyPolicy } from '../spec/environment.ts';
import type { KubeObject } from '../kube/object.ts';
import { LABELS, PLATFORM_TEAM } from '../workload/labels.ts';
import { ARGOCD_CONTROLLER, type Controller, type PodSecurityLevel } from './charts.ts';
import type { TeamNamespace } from './tenancy.ts';

/** Type token prefix of the platform's components. */
const MODULE = 'insure:platform';

/** Pod Security labels of a namespace enforcing `level` at the cluster's Kubernetes minor. */
export function podSecurityLabels(level: PodSecurityLevel, kubernetesVersion: string): Record<string, string> {
  const version = `v${kubernetesVersion}`;
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': version,
    'pod-security.kubernetes.io/warn': level,
    'pod-security.kubernetes.io/warn-version': version,
  };
}

/** Arguments of `TeamNamespaceComponent`. */
export interface TeamNamespaceArgs {
  readonly namespace: TeamNamespace;
  readonly environment: EnvironmentSpec;
  readonly tenancy?: TenancyPolicy;
  readonly provider: k8s.Provider;
}

/**
 * One team namespace: Pod Security "restricted", a ResourceQuota and a
 * LimitRange from the environment's tenancy policy, and a RoleBinding of the
 * policy's ClusterRole to each team's group. The namespace's labels equal the
 * ones the render writes, so Argo CD (server-side apply) and the bootstrap
 * agree on every field they both set.
 */
export class TeamNamespaceComponent extends pulumi.ComponentResource {
  /** Name of the namespace. */
  public readonly namespaceName: pulumi.Output<string>;

  constructor(name: string, args: TeamNamespaceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(`${MODULE}:TeamNamespace`, name, {}, opts);
    const { namespace, environment: env, tenancy, provider } = args;
    const child = { parent: this, provider };
    const labels = { [LABELS.name]: namespace.name, [LABELS.partOf]: PLATFORM_TEAM, [LABELS.environment]: env.name };
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: namespace.name,
          labels: { ...labels, ...podSecurityLabels('restricted', env.cluster.kubernetesVersion) },
        },
      },
      // Deleting a team namespace deletes every workload in it: never as a side effect of the bootstrap.
      { ...child, retainOnDelete: true },
    );
    const inNamespace = { namespace: ns.metadata.name, labels };
    if (tenancy) {
      new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        {
          metadata: { ...inNamespace, name: 'team-quota' },
          spec: {
            hard: {
              'requests.cpu': tenancy.quota.requestsCpu,
              'requests.memory': tenancy.quota.requestsMemory,
              'limits.memory': tenancy.quota.limitsMemory,
              pods: String(tenancy.quota.pods),
            },
          },
        },
        child,
      );
      new k8s.core.v1.LimitRange(
        `${name}-limits`,
        {
          metadata: { ...inNamespace, name: 'team-limits' },
          spec: {
            limits: [
              {
                type: 'Container',
                defaultRequest: { cpu: tenancy.limits.defaultRequestCpu, memory: tenancy.limits.defaultRequestMemory },
                default: { memory: tenancy.limits.defaultLimitMemory },
                max: { memory: tenancy.limits.maxMemory },
              },
            ],
          },
        },
        child,
      );
      for (const team of namespace.teams) {
        new k8s.rbac.v1.RoleBinding(
          `${name}-${team}-access`,
          {
            metadata: { ...inNamespace, name: `team-${team}-${tenancy.teamAccess}` },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: tenancy.teamAccess },
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `${tenancy.groupPrefix}${team}` }],
          },
          child,
        );
      }
    }
    this.namespaceName = ns.metadata.name;
    this.registerOutputs({ namespaceName: this.namespaceName });
  }
}

/** Arguments of `ControllerComponent`. */
export interface ControllerArgs {
  readonly controller: Controller;
  readonly environment: EnvironmentSpec;
  readonly provider: k8s.Provider;
}

/**
 * One controller: its namespace (Pod Security as the controller allows) and its Helm release at the pinned chart
 * version.
 */
export class ControllerComponent extends pulumi.ComponentResource {
  /** The Helm release. */
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ControllerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(`${MODULE}:Controller`, name, {}, opts);
    const { controller: c, environment: env, provider } = args;
    const child = { parent: this, provider };
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: c.namespace,
          labels: {
            [LABELS.name]: c.namespace,
            [LABELS.partOf]: PLATFORM_TEAM,
            [LABELS.environment]: env.name,
            ...podSecurityLabels(c.podSecurity, env.cluster.kubernetesVersion),
          },
          ...(c.podSecurityReason
            ? { annotations: { 'platform.insure.example/pod-security-reason': c.podSecurityReason } }
            : {}),
        },
      },
      child,
    );
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: c.name,
        chart: c.chart,
        version: c.version,
        repositoryOpts: { repo: c.repo },
        namespace: ns.metadata.name,
        createNamespace: false,
        atomic: true,
        timeout: 600,
        maxHistory: 10,
        values: c.values as Record<string, pulumi.Input<unknown>>,
      },
      child,
    );
    this.registerOutputs({ release: this.release.status });
  }
}

/** Arguments of `ClusterBootstrap`. */
export interface ClusterBootstrapArgs {
  readonly environment: EnvironmentSpec;
  readonly namespaces: readonly TeamNamespace[];
  readonly controllers: readonly Controller[];
  /** The environment's root AppProject and root Application (from `lib/argocd/applications.ts`). */
  readonly argocdObjects: readonly KubeObject[];
  readonly provider: k8s.Provider;
}

/**
 * A cluster made ready for GitOps: controllers, team namespaces, and the
 * environment's root AppProject and root Application, created once Argo CD is
 * installed. From then on the root syncs `delivery/argocd/<env>/` (the
 * environment's AppProject, sync windows and Applications), those sync
 * `manifests/<env>/`, and the bootstrap only changes when a controller
 * version, a quota or a team changes.
 */
export class ClusterBootstrap extends pulumi.ComponentResource {
  /** Names of the team namespaces. */
  public readonly namespaces: pulumi.Output<string[]>;
  /** `chart@version` of every Helm release. */
  public readonly charts: pulumi.Output<string[]>;

  constructor(name: string, args: ClusterBootstrapArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(`${MODULE}:ClusterBootstrap`, name, {}, opts);
    const { environment: env, provider } = args;
    const child = { parent: this, provider };
    const controllers = new Map<string, ControllerComponent>();
    let previous: ControllerComponent | undefined;
    for (const c of args.controllers) {
      // In order: CRDs before the controllers whose objects use them.
      const component: ControllerComponent = new ControllerComponent(
        `${name}-${c.name}`,
        { controller: c, environment: env, provider },
        { ...child, dependsOn: previous ? [previous] : [] },
      );
      controllers.set(c.name, component);
      previous = component;
    }
    const teams = args.namespaces.map(
      (namespace) =>
        new TeamNamespaceComponent(
          `${name}-${namespace.name}`,
          { namespace, environment: env, tenancy: env.tenancy, provider },
          child,
        ),
    );
    const argocd = controllers.get(ARGOCD_CONTROLLER);
    for (const o of args.argocdObjects) {
      const { apiVersion, kind, metadata, ...rest } = o;
      new k8s.apiextensions.CustomResource(
        `${name}-root-${kind.toLowerCase()}`,
        { apiVersion, kind, metadata, ...rest },
        { ...child, dependsOn: [...(argocd ? [argocd] : []), ...teams] },
      );
    }
    this.namespaces = pulumi.all(teams.map((t) => t.namespaceName));
    this.charts = pulumi.output(args.controllers.map((c) => `${c.chart}@${c.version}`));
    this.registerOutputs({ namespaces: this.namespaces, charts: this.charts });
  }
}

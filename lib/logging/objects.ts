/**
 * Plain objects of the cluster's platform agents: metadata, secure container
 * defaults, and exceptions with their reasons.
 */
import type { EnvironmentSpec } from '../spec/environment.ts';
import type { KubeObject } from '../kube/object.ts';
import { ANNOTATIONS, LABELS, MANAGED_BY, PLATFORM_TEAM, labelValue } from '../workload/labels.ts';
import { RUN_AS_USER } from '../workload/microservice.ts';

/** Context of one environment's platform objects. */
export interface PlatformContext {
  readonly env: EnvironmentSpec;
  /** The platform version stamped as `app.kubernetes.io/version`. */
  readonly version: string;
}

/** Labels of a platform component. */
export function platformLabels(ctx: PlatformContext, component: string): Record<string, string> {
  return {
    [LABELS.name]: component,
    [LABELS.partOf]: PLATFORM_TEAM,
    [LABELS.version]: labelValue(ctx.version),
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.environment]: ctx.env.name,
  };
}

/** A platform object: required labels, the environment file as its source, and `rest` (spec, data, rules…). */
export function platformObject(
  ctx: PlatformContext,
  component: string,
  head: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  },
  rest: Record<string, unknown>,
): KubeObject {
  const metadata: KubeObject['metadata'] = {
    name: head.name,
    labels: { ...platformLabels(ctx, component), ...head.labels },
    annotations: { [ANNOTATIONS.source]: `environments/${ctx.env.name}/environment.ts`, ...head.annotations },
  };
  if (head.namespace !== undefined) metadata.namespace = head.namespace;
  return { apiVersion: head.apiVersion, kind: head.kind, metadata, ...rest };
}

/** Annotations excepting a platform object from policy rules, each with its reason. */
export function exceptions(reasons: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(reasons).map(([rule, reason]) => [`${ANNOTATIONS.exceptionPrefix}/${rule}`, reason]),
  );
}

/** The restricted container security context every agent gets unless it documents an exception. */
export function restrictedContainer(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** The restricted pod security context. */
export function restrictedPod(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    fsGroup: RUN_AS_USER,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A ServiceAccount, with or without an API token. */
export function serviceAccount(ctx: PlatformContext, component: string, namespace: string, token: boolean): KubeObject {
  return platformObject(
    ctx,
    component,
    { apiVersion: 'v1', kind: 'ServiceAccount', name: component, namespace },
    { automountServiceAccountToken: token },
  );
}

/** A ClusterRole and its binding to the component's ServiceAccount. */
export function clusterRole(
  ctx: PlatformContext,
  component: string,
  namespace: string,
  rules: readonly { apiGroups: string[]; resources: string[]; verbs: string[] }[],
): KubeObject[] {
  return [
    platformObject(
      ctx,
      component,
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `platform:${component}` },
      { rules },
    ),
    platformObject(
      ctx,
      component,
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `platform:${component}` },
      {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `platform:${component}` },
        subjects: [{ kind: 'ServiceAccount', name: component, namespace }],
      },
    ),
  ];
}

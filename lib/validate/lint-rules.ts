/**
 * Hardening and cross-object rules of the kind kube-linter and Pod Security
 * "restricted" apply: capabilities, seccomp, host ports, exposed Services,
 * token automount on app pods, RBAC, NetworkPolicies that allow everything,
 * and objects that point at nothing in their manifest file (Services,
 * autoscalers, disruption budgets, NetworkPolicies, monitors, service accounts).
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import type { KubeObject } from '../kube/object.ts';
import type { FilePod, Finding, Rule } from '../kube/rule.ts';
import { labelsOf, podOfRule, podsOfFile, rec, recs, selectorIsEmpty, selectorMatches, str, strs } from './shape.ts';

/** Volume types Pod Security "restricted" allows. */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
/** Sysctls Pod Security "baseline" (and so "restricted") allows. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
/** SELinux types Pod Security allows. */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const podRule = (
  id: string,
  description: string,
  check: (pod: Record<string, unknown>, containers: Record<string, unknown>[], object: KubeObject) => Finding[],
  options: { exceptable?: boolean; appsOnly?: boolean } = {},
): Rule => ({
  id,
  description,
  exceptable: options.exceptable ?? false,
  check: (object, _env, _file, context) => {
    if (options.appsOnly && context?.platform) return [];
    const pod = podOfRule(object, context);
    return pod ? check(pod.spec, pod.containers, object) : [];
  },
});

const kindRule = (
  id: string,
  description: string,
  kinds: readonly string[],
  check: Rule['check'],
  exceptable = false,
): Rule => ({
  id,
  description,
  exceptable,
  check: (object, env, file, context) => (kinds.includes(object.kind) ? check(object, env, file, context) : []),
});

const cname = (c: Record<string, unknown>): string => `container '${String(c.name)}'`;

/**
 * Whether a NetworkPolicy peer list lets everything through: absent or empty,
 * or a peer open to every namespace or address.
 */
function openPeers(peers: unknown): boolean {
  if (peers === undefined || (Array.isArray(peers) && peers.length === 0)) return true;
  return recs(peers).some((p) => {
    const ip = str(rec(p.ipBlock)?.cidr);
    if (ip === '0.0.0.0/0' || ip === '::/0') return strs(rec(p.ipBlock)?.except).length === 0;
    return p.podSelector === undefined && p.namespaceSelector !== undefined && selectorIsEmpty(p.namespaceSelector);
  });
}

/** The hardening and cross-object rules, in report order. */
export const LINT_RULES: readonly Rule[] = [
  podRule(
    'capabilities',
    "containers drop ALL capabilities and add none but NET_BIND_SERVICE (Pod Security 'restricted')",
    (_pod, containers) =>
      containers.flatMap((c) => {
        const caps = rec(rec(c.securityContext)?.capabilities);
        const out: Finding[] = [];
        if (!strs(caps?.drop).includes('ALL'))
          out.push({
            message: `${cname(c)} does not drop ALL capabilities`,
            fix: "set securityContext.capabilities.drop: ['ALL'] (render it from the spec)",
          });
        const added = strs(caps?.add).filter((a) => a !== 'NET_BIND_SERVICE');
        if (added.length > 0 || (caps?.add !== undefined && !Array.isArray(caps.add))) {
          out.push({
            message: `${cname(c)} adds capabilities ${JSON.stringify(caps?.add)}`,
            fix: 'remove securityContext.capabilities.add',
          });
        }
        return out;
      }),
  ),
  podRule(
    'seccomp',
    "pods run with the RuntimeDefault or a Localhost seccomp profile (Pod Security 'restricted')",
    (pod, containers) => {
      const type = (v: unknown): unknown => rec(rec(rec(v)?.seccompProfile))?.type;
      const podType = type(pod.securityContext);
      const ok = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
      const out: Finding[] = [];
      for (const c of containers) {
        const t = type(c.securityContext);
        if (t === undefined ? !ok(podType) : !ok(t))
          out.push({
            message: `${cname(c)} runs with seccomp profile ${JSON.stringify(t ?? podType ?? 'unset')}`,
            fix: 'set securityContext.seccompProfile.type: RuntimeDefault on the pod',
          });
      }
      return out;
    },
  ),
  podRule(
    'pod-security-restricted',
    "volumes, sysctls, SELinux and /proc mounts stay within Pod Security 'restricted'",
    (pod, containers) => {
      const out: Finding[] = [];
      for (const v of recs(pod.volumes)) {
        const types = Object.keys(v).filter((k) => k !== 'name');
        const bad = types.filter((t) => !RESTRICTED_VOLUMES.has(t) && t !== 'hostPath');
        if (bad.length > 0)
          out.push({
            message: `volume '${String(v.name)}' is of type ${bad.join(', ')}, which 'restricted' forbids`,
            fix: `use one of ${[...RESTRICTED_VOLUMES].join(', ')}`,
          });
      }
      for (const s of recs(rec(pod.securityContext)?.sysctls)) {
        if (!SAFE_SYSCTLS.has(String(s.name)))
          out.push({
            message: `sysctl '${String(s.name)}' is not a safe sysctl`,
            fix: 'remove it from securityContext.sysctls',
          });
      }
      for (const [where, sc] of [
        ['pod', rec(pod.securityContext)],
        ...containers.map((c) => [cname(c), rec(c.securityContext)] as const),
      ] as const) {
        const se = rec(sc?.seLinuxOptions);
        if (se && (!SELINUX_TYPES.has(String(se.type ?? '')) || se.user !== undefined || se.role !== undefined)) {
          out.push({ message: `${where} sets seLinuxOptions ${JSON.stringify(se)}`, fix: 'remove seLinuxOptions' });
        }
        if (sc?.procMount !== undefined && sc.procMount !== 'Default')
          out.push({ message: `${where} sets procMount ${JSON.stringify(sc.procMount)}`, fix: 'remove procMount' });
        if (rec(sc?.windowsOptions)?.hostProcess === true)
          out.push({ message: `${where} runs as a Windows host process`, fix: 'remove windowsOptions.hostProcess' });
      }
      return out;
    },
  ),
  podRule('no-host-port', 'containers bind no host port', (_pod, containers) =>
    containers.flatMap((c) =>
      recs(c.ports)
        .filter((p) => p.hostPort !== undefined && p.hostPort !== 0)
        .map((p) => ({
          message: `${cname(c)} binds host port ${JSON.stringify(p.hostPort)}`,
          fix: 'remove hostPort; reach the pod through its Service',
        })),
    ),
  ),
  podRule('no-ssh-port', 'containers expose no SSH port (22)', (_pod, containers) =>
    containers.flatMap((c) =>
      recs(c.ports)
        .filter((p) => p.containerPort === 22)
        .map(() => ({
          message: `${cname(c)} exposes port 22 (SSH)`,
          fix: 'do not run an SSH server in a container; use kubectl exec under audit',
        })),
    ),
  ),
  podRule(
    'service-account-token',
    'app pods do not mount a service account token and use no deprecated serviceAccount field',
    (pod, _c, object) => {
      const out: Finding[] = [];
      if (pod.automountServiceAccountToken !== false) {
        out.push({
          message:
            `the pod of ${object.kind} '${object.metadata.name}' mounts its service account token` +
            ` (automountServiceAccountToken is ${JSON.stringify(pod.automountServiceAccountToken ?? 'unset')})`,
          fix: 'set automountServiceAccountToken: false on the pod (render it from the spec)',
        });
      }
      if (pod.serviceAccount !== undefined)
        out.push({ message: 'the pod sets the deprecated serviceAccount field', fix: 'use serviceAccountName' });
      return out;
    },
    { appsOnly: true },
  ),
  podRule('env-var-secret', 'no literal value in an environment variable named like a secret', (_pod, containers) =>
    containers.flatMap((c) =>
      recs(c.env)
        .filter(
          (e) =>
            typeof e.value === 'string' &&
            e.value !== '' &&
            /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY/i.test(String(e.name)),
        )
        .map((e) => ({
          message: `${cname(c)} sets ${String(e.name)} to a literal value`,
          fix: 'read it from the secret store: valueFrom.secretKeyRef (secretRef() in the app spec)',
        })),
    ),
  ),
  kindRule(
    'service-exposure',
    'Services are ClusterIP (or headless): no NodePort, LoadBalancer or externalIPs',
    ['Service'],
    (object) => {
      const spec = rec(object.spec) ?? {};
      const out: Finding[] = [];
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        out.push({
          message: `Service type ${spec.type} opens the app outside the cluster`,
          fix: 'use type ClusterIP and the ingress of the environment',
        });
      }
      if (Array.isArray(spec.externalIPs) ? spec.externalIPs.length > 0 : spec.externalIPs !== undefined) {
        out.push({
          message:
            `Service sets externalIPs ${JSON.stringify(spec.externalIPs)},` +
            ' which can capture other traffic (CVE-2020-8554)',
          fix: 'remove externalIPs',
        });
      }
      return out;
    },
    true,
  ),
  kindRule(
    'network-policy-allow-all',
    'no NetworkPolicy rule allows every source or destination on every port',
    ['NetworkPolicy'],
    (object) => {
      const spec = rec(object.spec) ?? {};
      const out: Finding[] = [];
      for (const [dir, peerKey] of [
        ['ingress', 'from'],
        ['egress', 'to'],
      ] as const) {
        recs(spec[dir]).forEach((r, i) => {
          if (openPeers(r[peerKey]) && recs(r.ports).length === 0) {
            const peers = dir === 'ingress' ? 'sources' : 'destinations';
            out.push({
              message: `${dir}[${i}] allows all ${peers} on all ports`,
              fix: `name the ${peers} (podSelector, namespaceSelector) and the ports`,
            });
          }
        });
      }
      return out;
    },
  ),
  kindRule('rbac-cluster-admin', 'no binding grants cluster-admin', ['ClusterRoleBinding', 'RoleBinding'], (object) => {
    const ref = rec(object.roleRef);
    const subjects = recs(object.subjects).map((s) => `${String(s.kind)}/${String(s.name)}`);
    return ref?.kind === 'ClusterRole' && ref.name === 'cluster-admin'
      ? [
          {
            message: `${object.kind} grants cluster-admin to ${JSON.stringify(subjects)}`,
            fix: 'bind a role that lists the verbs and resources needed',
          },
        ]
      : [];
  }),
  kindRule(
    'rbac-wildcard',
    'roles name their API groups, resources and verbs: no * and no escalate, bind or impersonate',
    ['ClusterRole', 'Role'],
    (object) =>
      recs(object.rules).flatMap((r, i) => {
        const out: Finding[] = [];
        for (const key of ['apiGroups', 'resources', 'verbs', 'nonResourceURLs'] as const) {
          if (strs(r[key]).some((v) => v === '*' || v.endsWith('/*')))
            out.push({
              message: `rules[${i}].${key} holds a wildcard ${JSON.stringify(r[key])}`,
              fix: `list the ${key} the role needs`,
            });
        }
        const risky = strs(r.verbs).filter((v) => v === 'escalate' || v === 'bind' || v === 'impersonate');
        if (risky.length > 0)
          out.push({
            message: `rules[${i}] grants ${risky.join(', ')}`,
            fix: 'remove the verbs that grant more rights',
          });
        return out;
      }),
  ),
  kindRule('hpa-bounds', 'autoscalers have 1 ≤ minReplicas ≤ maxReplicas', ['HorizontalPodAutoscaler'], (object) => {
    const spec = rec(object.spec) ?? {};
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas;
    if (typeof min !== 'number' || typeof max !== 'number') return [];
    if (min < 1) return [{ message: `minReplicas is ${min}`, fix: 'set minReplicas to 1 or more' }];
    return min > max
      ? [
          {
            message: `minReplicas (${min}) is above maxReplicas (${max})`,
            fix: 'raise maxReplicas or lower minReplicas in the app spec',
          },
        ]
      : [];
  }),
  kindRule(
    'dangling-service',
    'a Service selects pods of its manifest file and its named target ports exist on them',
    ['Service'],
    (object, _env, file = [object], context) => {
      const spec = rec(object.spec) ?? {};
      if (spec.selector === undefined || spec.type === 'ExternalName') return [];
      const selector = labelsOf(spec.selector);
      const keys = Object.keys(selector);
      const pods = podsOfFile(file, context).filter(
        (p) => keys.length > 0 && keys.every((k) => p.labels[k] === selector[k]),
      );
      if (pods.length === 0)
        return [
          {
            message: `selector ${JSON.stringify(spec.selector)} selects no pod template in this file`,
            fix: 'select the labels of the workload it fronts (render it from the spec)',
          },
        ];
      const names = new Set(
        pods.flatMap((p) => p.containers.flatMap((c) => recs(c.ports).map((port) => str(port.name)))),
      );
      return recs(spec.ports)
        .filter((p) => typeof p.targetPort === 'string' && !names.has(p.targetPort))
        .map((p) => ({
          message: `targetPort '${String(p.targetPort)}' names no container port of the selected pods`,
          fix: 'use a container port name or number the pods expose',
        }));
    },
  ),
  kindRule(
    'dangling-hpa',
    "an autoscaler's target exists in its manifest file",
    ['HorizontalPodAutoscaler'],
    (object, _env, file = [object], _context) => {
      const ref = rec(rec(object.spec)?.scaleTargetRef) ?? {};
      if (file.some((o) => o.kind === ref.kind && o.metadata.name === ref.name)) return [];
      return [
        {
          message: `scaleTargetRef ${String(ref.kind)}/${String(ref.name)} is not in this file`,
          fix: 'point it at the workload of the app',
        },
      ];
    },
  ),
  kindRule(
    'dangling-pdb',
    'a PodDisruptionBudget selects pods of its manifest file',
    ['PodDisruptionBudget'],
    (object, _env, file = [object], context) => {
      const selector = rec(object.spec)?.selector;
      const selected = (p: FilePod) => selectorMatches(selector, p.labels) && !selectorIsEmpty(selector);
      if (podsOfFile(file, context).some(selected)) return [];
      return [
        {
          message: `selector ${JSON.stringify(selector)} selects no pod template in this file`,
          fix: 'select the labels of the workload it guards',
        },
      ];
    },
  ),
  kindRule(
    'dangling-network-policy',
    "a NetworkPolicy's podSelector selects pods of its file, or every pod of the namespace",
    ['NetworkPolicy'],
    (object, _env, file = [object], context) => {
      const selector = rec(object.spec)?.podSelector;
      if (selectorIsEmpty(selector)) return [];
      if (podsOfFile(file, context).some((p) => selectorMatches(selector, p.labels))) return [];
      return [
        {
          message: `podSelector ${JSON.stringify(selector)} selects no pod template in this file`,
          fix: 'select the labels of the app it protects',
        },
      ];
    },
  ),
  kindRule(
    'dangling-monitor',
    'a ServiceMonitor selects a Service of its file on a port it has; a PodMonitor selects pods with that port',
    ['ServiceMonitor', 'PodMonitor'],
    (object, _env, file = [object], context) => {
      const spec = rec(object.spec) ?? {};
      const selector = spec.selector;
      if (object.kind === 'ServiceMonitor') {
        const services = file.filter(
          (o) => o.kind === 'Service' && selectorMatches(selector, labelsOf(rec(o.metadata)?.labels)),
        );
        if (services.length === 0)
          return [
            {
              message: `selector ${JSON.stringify(selector)} selects no Service in this file`,
              fix: 'select the labels of the app Service',
            },
          ];
        const ports = new Set(services.flatMap((s) => recs(rec(s.spec)?.ports).map((p) => str(p.name))));
        return recs(spec.endpoints)
          .filter((e) => typeof e.port === 'string' && !ports.has(e.port))
          .map((e) => ({
            message: `endpoint port '${String(e.port)}' is no port name of the selected Service`,
            fix: 'use a port name the Service declares',
          }));
      }
      const pods = podsOfFile(file, context).filter((p) => selectorMatches(selector, p.labels));
      if (pods.length === 0)
        return [
          {
            message: `selector ${JSON.stringify(selector)} selects no pod template in this file`,
            fix: 'select the labels of the app pods',
          },
        ];
      const ports = new Set(
        pods.flatMap((p) => p.containers.flatMap((c) => recs(c.ports).map((port) => str(port.name)))),
      );
      return recs(spec.podMetricsEndpoints)
        .filter((e) => typeof e.port === 'string' && !ports.has(e.port))
        .map((e) => ({
          message: `podMetricsEndpoints port '${String(e.port)}' is no container port name of the selected pods`,
          fix: 'use a port name the pods declare',
        }));
    },
  ),
  kindRule(
    'dangling-service-account',
    "a pod's service account is defined in its file (or is the namespace's default)",
    ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'CloneSet'],
    (object, _env, file = [object], context) => {
      const name = podOfRule(object, context)?.spec.serviceAccountName;
      if (name === undefined || name === 'default') return [];
      if (file.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === name)) return [];
      return [
        {
          message: `serviceAccountName '${String(name)}' is not defined in this file`,
          fix: 'render the app with its ServiceAccount (npm run synth)',
        },
      ];
    },
  ),
];

/** Pods a workload runs at least: the floor of an autoscaler of its file that targets it, else `spec.replicas` (1). */
function replicaFloor(workload: KubeObject, file: readonly KubeObject[]): number {
  const hpa = file.find((o) => {
    const ref = rec(rec(o.spec)?.scaleTargetRef);
    return o.kind === 'HorizontalPodAutoscaler' && ref?.kind === workload.kind && ref.name === workload.metadata.name;
  });
  const n = hpa ? (rec(hpa.spec)?.minReplicas ?? 1) : (rec(workload.spec)?.replicas ?? 1);
  return typeof n === 'number' ? n : 1;
}

/** maxUnavailable as a share of `replicas` (1 = all pods). */
function unavailableShare(value: unknown, replicas: number): number {
  if (typeof value === 'number') return replicas > 0 ? value / replicas : 1;
  if (typeof value === 'string' && /^\d+%$/.test(value)) return Number.parseInt(value, 10) / 100;
  return 0;
}

/** Updates that take every pod away at once, where the environment's rollout policy bounds unavailability. */
export const UPDATE_RULE: Rule = kindRule(
  'update-keeps-capacity',
  'updates never take every pod down at once (no Recreate)' +
    " where the environment's rollout policy bounds maxUnavailable",
  ['Deployment', 'CloneSet'],
  (object, env, file = [object]) => {
    if (env.rollout?.maxUnavailablePercent === undefined) return [];
    const spec = rec(object.spec) ?? {};
    const replicas = replicaFloor(object, file);
    const fix = "use the environment's rolling update (render it from the spec): maxSurge 25%, maxUnavailable 0";
    if (object.kind === 'Deployment' && rec(spec.strategy)?.type === 'Recreate') {
      return [{ message: `strategy Recreate stops every pod before starting new ones in ${env.name}`, fix }];
    }
    const unavailable =
      object.kind === 'Deployment'
        ? rec(rec(spec.strategy)?.rollingUpdate)?.maxUnavailable
        : rec(spec.updateStrategy)?.maxUnavailable;
    if (unavailableShare(unavailable, replicas) >= 1 && replicas > 0) {
      return [
        {
          message:
            `maxUnavailable ${JSON.stringify(unavailable)} lets an update take all ${replicas} pod(s)` +
            ` down at once in ${env.name}`,
          fix,
        },
      ];
    }
    return [];
  },
);

/**
 * Checks the Kubernetes API server applies on create or update that the
 * OpenAPI schemas do not express: names and label syntax, selectors that
 * match their pod template, port ranges, restart policies per workload kind,
 * enumerated values, unique names inside a pod, and fields or API versions
 * the cluster's Kubernetes version does not serve.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
import type { KubeObject } from '../kube/object.ts';
import type { Finding, Rule, RuleContext } from '../kube/rule.ts';
import { labelsOf, podOfRule, rec, recs, selectorIsEmpty, selectorMatches, str } from './shape.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose name becomes a DNS label (a Service's DNS name, a Namespace, a pod's hostname prefix). */
const LABEL_NAMED = new Set(['Namespace', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CloneSet']);
/** Kinds whose name is only a path segment. */
const PATH_NAMED = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Answers of the syntax checks, by question: names and labels repeat across objects, files and environments. */
const memos = new Map<string, Map<string, string | undefined>>();
const MEMO_LIMIT = 50_000;

function memoized(question: string, key: string, compute: (key: string) => string | undefined): string | undefined {
  let memo = memos.get(question);
  if (!memo) {
    memo = new Map();
    memos.set(question, memo);
  }
  const known = memo.get(key);
  if (known !== undefined || memo.has(key)) return known;
  const answer = compute(key);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, answer);
  return answer;
}

/** Why `name` is not a valid name for `kind`, or `undefined`. */
export function nameProblem(kind: string, name: string): string | undefined {
  return memoized(kind, name, (n) => computeNameProblem(kind, n));
}

function computeNameProblem(kind: string, name: string): string | undefined {
  if (PATH_NAMED.has(kind)) {
    if (name === '' || name === '.' || name === '..' || /[/%]/.test(name))
      return "may not be empty, '.', '..' or hold '/' or '%'";
    return undefined;
  }
  const max = kind === 'CronJob' ? 52 : LABEL_NAMED.has(kind) ? 63 : 253;
  if (name.length > max) return `is ${name.length} characters long; a ${kind} name has at most ${max}`;
  const pattern = LABEL_NAMED.has(kind) ? DNS_LABEL : DNS_SUBDOMAIN;
  if (!pattern.test(name)) {
    return LABEL_NAMED.has(kind)
      ? 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit'
      : 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".",' +
          ' starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why `key` is not a valid label key, or `undefined`. */
export function labelKeyProblem(key: string): string | undefined {
  return memoized('label key', key, computeLabelKeyProblem);
}

function computeLabelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return `prefix '${prefix}' is no DNS-1123 subdomain`;
  if (name.length === 0 || name.length > 63) return `name part '${name}' must be 1 to 63 characters`;
  if (!LABEL_NAME.test(name))
    return `name part '${name}' may hold only letters, digits, '-', '_' and '.', starting and ending alphanumeric`;
  return undefined;
}

/** Why `value` is not a valid label value, or `undefined`. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  return memoized('label value', value, computeLabelValueProblem);
}

function computeLabelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long (at most 63)`;
  if (value !== '' && !LABEL_NAME.test(value))
    return "may hold only letters, digits, '-', '_' and '.', starting and ending alphanumeric";
  return undefined;
}

/** Every label map of an object, with where it sits. */
function labelMaps(object: KubeObject): { path: string; map: Record<string, unknown> }[] {
  const out: { path: string; map: Record<string, unknown> }[] = [];
  const add = (path: string, v: unknown): void => {
    const r = rec(v);
    if (r) out.push({ path, map: r });
  };
  add('metadata.labels', rec(object.metadata)?.labels);
  const spec = rec(object.spec);
  add('spec.selector.matchLabels', rec(spec?.selector)?.matchLabels);
  add('spec.template.metadata.labels', rec(rec(spec?.template)?.metadata)?.labels);
  if (object.kind === 'Service') add('spec.selector', spec?.selector);
  return out;
}

/** Container port, host port or Service port out of 1–65535, or a bad port name. */
const inRange = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const badName = (name: unknown): boolean =>
  typeof name === 'string' && (name.length > 15 || !PORT_NAME.test(name) || !/[a-z]/.test(name));
const nameFix = 'name ports with at most 15 lower-case letters, digits and "-", at least one letter (IANA_SVC_NAME)';

function portFindings(object: KubeObject, _env?: unknown, _file?: unknown, context?: RuleContext): Finding[] {
  const out: Finding[] = [];
  const pod = podOfRule(object, context);
  for (const c of pod ? pod.containers : []) {
    for (const p of recs(c.ports)) {
      if (!inRange(p.containerPort))
        out.push({
          message: `container '${str(c.name)}' containerPort ${JSON.stringify(p.containerPort)} is outside 1–65535`,
          fix: 'use a port from 1 to 65535',
        });
      if (p.hostPort !== undefined && p.hostPort !== 0 && !inRange(p.hostPort))
        out.push({
          message: `container '${str(c.name)}' hostPort ${JSON.stringify(p.hostPort)} is outside 1–65535`,
          fix: 'remove hostPort',
        });
      if (badName(p.name))
        out.push({ message: `container '${str(c.name)}' port name '${String(p.name)}' is invalid`, fix: nameFix });
    }
  }
  if (object.kind === 'Service') {
    for (const p of recs(rec(object.spec)?.ports)) {
      if (!inRange(p.port))
        out.push({
          message: `Service port ${JSON.stringify(p.port)} is outside 1–65535`,
          fix: 'use a port from 1 to 65535',
        });
      if (typeof p.targetPort === 'number' && !inRange(p.targetPort))
        out.push({
          message: `Service targetPort ${p.targetPort} is outside 1–65535`,
          fix: 'use a port from 1 to 65535 or a container port name',
        });
      if (typeof p.targetPort === 'string' && badName(p.targetPort))
        out.push({ message: `Service targetPort name '${p.targetPort}' is invalid`, fix: nameFix });
      if (p.nodePort !== undefined && (typeof p.nodePort !== 'number' || p.nodePort < 30000 || p.nodePort > 32767)) {
        out.push({
          message: `Service nodePort ${JSON.stringify(p.nodePort)} is outside the node port range 30000–32767`,
          fix: 'remove nodePort',
        });
      }
      if (badName(p.name)) out.push({ message: `Service port name '${String(p.name)}' is invalid`, fix: nameFix });
    }
  }
  return out;
}

/** Allowed values of enumerated fields that the schemas leave as free strings, by path. */
const ENUMS: readonly { kinds?: ReadonlySet<string>; path: readonly string[]; values: readonly string[] }[] = [
  { kinds: new Set(['Deployment']), path: ['spec', 'strategy', 'type'], values: ['Recreate', 'RollingUpdate'] },
  {
    kinds: new Set(['DaemonSet', 'StatefulSet']),
    path: ['spec', 'updateStrategy', 'type'],
    values: ['OnDelete', 'RollingUpdate'],
  },
  {
    kinds: new Set(['Service']),
    path: ['spec', 'type'],
    values: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
  },
  { kinds: new Set(['Service']), path: ['spec', 'sessionAffinity'], values: ['ClientIP', 'None'] },
  { kinds: new Set(['Service']), path: ['spec', 'externalTrafficPolicy'], values: ['Cluster', 'Local'] },
  { kinds: new Set(['Service']), path: ['spec', 'internalTrafficPolicy'], values: ['Cluster', 'Local'] },
  { kinds: new Set(['CronJob']), path: ['spec', 'concurrencyPolicy'], values: ['Allow', 'Forbid', 'Replace'] },
  { kinds: new Set(['NetworkPolicy']), path: ['spec', 'policyTypes', '*'], values: ['Egress', 'Ingress'] },
];

const POD_ENUMS: readonly { path: readonly string[]; values: readonly string[] }[] = [
  { path: ['dnsPolicy'], values: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] },
  { path: ['preemptionPolicy'], values: ['Never', 'PreemptLowerPriority'] },
  { path: ['securityContext', 'seccompProfile', 'type'], values: ['Localhost', 'RuntimeDefault', 'Unconfined'] },
  { path: ['securityContext', 'fsGroupChangePolicy'], values: ['Always', 'OnRootMismatch'] },
];

const CONTAINER_ENUMS: readonly { path: readonly string[]; values: readonly string[] }[] = [
  { path: ['imagePullPolicy'], values: ['Always', 'IfNotPresent', 'Never'] },
  { path: ['terminationMessagePolicy'], values: ['FallbackToLogsOnError', 'File'] },
  { path: ['securityContext', 'seccompProfile', 'type'], values: ['Localhost', 'RuntimeDefault', 'Unconfined'] },
  { path: ['securityContext', 'procMount'], values: ['Default', 'Unmasked'] },
  { path: ['ports', '*', 'protocol'], values: ['SCTP', 'TCP', 'UDP'] },
];

function valuesAt(value: unknown, path: readonly string[], where: string): { where: string; value: unknown }[] {
  let v = value;
  let w = where;
  for (let i = 0; i < path.length; i++) {
    const head = path[i]!;
    if (head === '*') {
      if (!Array.isArray(v)) return [];
      const rest = path.slice(i + 1);
      return v.flatMap((x, n) => valuesAt(x, rest, `${w}[${n}]`));
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[head];
    if (v === undefined) return [];
    w = w ? `${w}.${head}` : head;
  }
  return [{ where: w, value: v }];
}

/** Whether every value at `path` in `value` is one of `values`; reads without building any path text. */
function allAllowed(value: unknown, path: readonly string[], values: readonly string[], from = 0): boolean {
  let v = value;
  for (let i = from; i < path.length; i++) {
    const head = path[i]!;
    if (head === '*') return !Array.isArray(v) || v.every((x) => allAllowed(x, path, values, i + 1));
    if (!v || typeof v !== 'object' || Array.isArray(v)) return true;
    v = (v as Record<string, unknown>)[head];
    if (v === undefined) return true;
  }
  return typeof v === 'string' && values.includes(v);
}

function enumFindings(object: KubeObject, _env?: unknown, _file?: unknown, context?: RuleContext): Finding[] {
  const out: Finding[] = [];
  const check = (value: unknown, path: readonly string[], values: readonly string[], where: () => string): void => {
    if (allAllowed(value, path, values)) return;
    for (const found of valuesAt(value, path, where())) {
      if (typeof found.value === 'string' && values.includes(found.value)) continue;
      out.push({
        message: `${found.where} is ${JSON.stringify(found.value)}; the API server accepts only ${values.join(', ')}`,
        fix: `set one of ${values.join(', ')}`,
      });
    }
  };
  for (const e of ENUMS) if (!e.kinds || e.kinds.has(object.kind)) check(object, e.path, e.values, () => '');
  const pod = podOfRule(object, context);
  if (pod) {
    for (const e of POD_ENUMS) check(pod.spec, e.path, e.values, () => 'pod spec');
    for (const c of pod.containers) {
      for (const e of CONTAINER_ENUMS) check(c, e.path, e.values, () => `container '${str(c.name)}'`);
    }
  }
  return out;
}

/** Restart policies the API server accepts per workload kind. */
const RESTART_POLICIES: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['Always'],
  StatefulSet: ['Always'],
  DaemonSet: ['Always'],
  ReplicaSet: ['Always'],
  CloneSet: ['Always'],
  Job: ['Never', 'OnFailure'],
  CronJob: ['Never', 'OnFailure'],
};

/** Fields later than some clusters: the Kubernetes minor version that serves each by default. */
const FIELD_SINCE: readonly { path: readonly string[]; since: number; what: string }[] = [
  { path: ['lifecycle', 'preStop', 'sleep'], since: 30, what: 'the native sleep action of a preStop hook' },
  { path: ['lifecycle', 'postStart', 'sleep'], since: 30, what: 'the native sleep action of a postStart hook' },
];

/** API versions of core kinds, with the first minor version that serves them and the first that no longer does. */
const SERVED: Readonly<Record<string, { since: number; until?: number }>> = {
  'batch/v1/CronJob': { since: 21 },
  'batch/v1beta1/CronJob': { since: 8, until: 25 },
  'autoscaling/v2/HorizontalPodAutoscaler': { since: 23 },
  'autoscaling/v2beta2/HorizontalPodAutoscaler': { since: 12, until: 26 },
  'policy/v1/PodDisruptionBudget': { since: 21 },
  'policy/v1beta1/PodDisruptionBudget': { since: 5, until: 25 },
  'networking.k8s.io/v1/Ingress': { since: 19 },
  'extensions/v1beta1/Deployment': { since: 2, until: 16 },
};

/** Minor version of a `1.27`-style Kubernetes version. */
function minorOf(version: string): number | undefined {
  if (minors.has(version)) return minors.get(version);
  const m = /^v?1\.(\d+)/.exec(version);
  const minor = m ? Number(m[1]) : undefined;
  minors.set(version, minor);
  return minor;
}

const minors = new Map<string, number | undefined>();

/** The API-server rules, in report order. */
export const API_RULES: readonly Rule[] = [
  {
    id: 'api-name',
    description:
      'names are DNS-1123 labels (≤ 63) or subdomains (≤ 253) as the kind requires;' +
      ' unique container and volume names in a pod; mounts name a volume',
    exceptable: false,
    check: (object, _env, _file, context) => {
      const out: Finding[] = [];
      const name = object.metadata.name;
      const problem = nameProblem(object.kind, name);
      if (problem)
        out.push({
          message: `name '${name}' ${problem}`,
          fix: 'rename the app or object in its spec (names become DNS names)',
        });
      const ns = rec(object.metadata)?.namespace;
      const nsProblem = typeof ns === 'string' ? nameProblem('Namespace', ns) : 'is not a string';
      if (ns !== undefined && nsProblem) {
        out.push({
          message: `namespace ${JSON.stringify(ns)} ${nsProblem}`,
          fix: 'use a DNS-1123 label as the team namespace',
        });
      }
      const pod = podOfRule(object, context);
      if (!pod) return out;
      const seen = (list: Record<string, unknown>[], what: string): void => {
        const names = new Set<string>();
        for (const item of list) {
          const n = str(item.name);
          if (n === undefined) {
            out.push({ message: `a ${what} has no name`, fix: `name every ${what}` });
            continue;
          }
          if (names.has(n))
            out.push({
              message: `${what} name '${n}' is used twice in the pod`,
              fix: `give each ${what} its own name`,
            });
          names.add(n);
          if (what !== 'volume' && nameProblem('Service', n))
            out.push({ message: `${what} name '${n}' ${nameProblem('Service', n)}`, fix: `rename the ${what}` });
        }
      };
      const containers = pod.containers;
      seen(containers, 'container');
      seen(recs(pod.spec.volumes), 'volume');
      const volumes = new Set(recs(pod.spec.volumes).map((v) => str(v.name)));
      for (const c of containers) {
        for (const m of recs(c.volumeMounts)) {
          if (!volumes.has(str(m.name)))
            out.push({
              message: `container '${str(c.name)}' mounts volume '${String(m.name)}', which the pod does not define`,
              fix: 'define the volume or drop the mount',
            });
        }
      }
      return out;
    },
  },
  {
    id: 'api-labels',
    description:
      'label keys and values (labels, selectors) have valid syntax: values ≤ 63 characters of [A-Za-z0-9-_.]',
    exceptable: false,
    check: (object, _env, _file, _context) => {
      const out: Finding[] = [];
      for (const { path, map } of labelMaps(object)) {
        for (const key in map) {
          const value = map[key];
          const k = labelKeyProblem(key);
          if (k)
            out.push({
              message: `${path} key '${key}': ${k}`,
              fix: 'use a qualified name such as app.kubernetes.io/name',
            });
          const v = labelValueProblem(value);
          if (v)
            out.push({
              message: `${path} '${key}' value ${JSON.stringify(value)} ${v}`,
              fix: "render it from the spec: label values hold no spaces, '/' or ':'",
            });
        }
      }
      return out;
    },
  },
  {
    id: 'api-selector',
    description: "a workload's selector is not empty and selects its own pod template",
    exceptable: false,
    check: (object, _env, _file, context) => {
      if (object.apiVersion !== 'apps/v1') return [];
      const pod = podOfRule(object, context);
      const selector = rec(object.spec)?.selector;
      if (!pod) return [];
      if (!rec(selector) || selectorIsEmpty(selector))
        return [
          {
            message: 'spec.selector is missing or empty',
            fix: 'select the pod template labels, e.g. matchLabels: { app.kubernetes.io/name: <app> }',
          },
        ];
      if (selectorMatches(selector, pod.labels)) return [];
      const wanted = Object.entries(labelsOf(rec(selector)?.matchLabels));
      const missing = wanted.filter(([k, v]) => pod.labels[k] !== v).map(([k, v]) => `${k}=${v}`);
      const terms = missing.length > 0 ? missing.join(', ') : JSON.stringify(rec(selector)?.matchExpressions);
      return [
        {
          message: `spec.selector requires ${terms}, which the pod template labels do not carry`,
          fix: 'make spec.template.metadata.labels carry every label the selector names',
        },
      ];
    },
  },
  {
    id: 'api-ports',
    description: 'container, host, Service and node ports are in range; port names are IANA service names',
    exceptable: false,
    check: portFindings,
  },
  {
    id: 'api-restart-policy',
    description: 'restartPolicy is Always for long-running workloads, OnFailure or Never for Jobs and CronJobs',
    exceptable: false,
    check: (object, _env, _file, context) => {
      const allowed = RESTART_POLICIES[object.kind];
      const pod = podOfRule(object, context);
      if (!allowed || !pod || pod.spec.restartPolicy === undefined) return [];
      const value = pod.spec.restartPolicy;
      if (typeof value === 'string' && allowed.includes(value)) return [];
      return [
        {
          message:
            `restartPolicy ${JSON.stringify(value)} on a ${object.kind};` +
            ` the API server accepts only ${allowed.join(' or ')}`,
          fix: `set restartPolicy: ${allowed[0]} (or leave it out)`,
        },
      ];
    },
  },
  {
    id: 'api-enum',
    description:
      'enumerated fields hold one of their allowed values (strategy, Service type, pull and DNS policies, …)',
    exceptable: false,
    check: enumFindings,
  },
  {
    id: 'api-served',
    description: "the API version and fields are served by the cluster's Kubernetes version",
    exceptable: false,
    check: (object, env, _file, context) => {
      const version = env.cluster.kubernetesVersion;
      const minor = minorOf(version);
      if (minor === undefined) return [];
      const out: Finding[] = [];
      const served = SERVED[`${object.apiVersion}/${object.kind}`];
      if (served && (minor < served.since || (served.until !== undefined && minor >= served.until))) {
        out.push({
          message: `${object.apiVersion} ${object.kind} is not served by Kubernetes ${version} (${env.name})`,
          fix: 'use the API version the cluster serves',
        });
      }
      const pod = podOfRule(object, context);
      for (const c of pod ? pod.containers : []) {
        for (const f of FIELD_SINCE) {
          if (minor < f.since && valuesAt(c, f.path, '').length > 0) {
            out.push({
              message:
                `container '${str(c.name)}' uses ${f.what} (${f.path.join('.')}),` +
                ` served from Kubernetes 1.${f.since}; ${env.name} runs ${version}`,
              fix: "use an exec hook: command: ['sleep', '<seconds>']",
            });
          }
        }
      }
      return out;
    },
  },
];

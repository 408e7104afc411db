/**
 * Policy rules on rendered objects. Each rule has a stable id (used in
 * reports, exceptions and tests) and reads environment facts, never names.
 */
import type { EnvironmentSpec } from '../spec/environment.ts';
import { MUTABLE_TAGS } from '../spec/reserved.ts';
import { ANNOTATIONS, LABELS } from '../workload/labels.ts';
import type { KubeObject } from '../kube/object.ts';
import type { RenderedFile } from '../kube/object.ts';
import { FEATURE_RULES } from '../features/index.ts';
import { API_RULES } from './api-rules.ts';
import { LINT_RULES, UPDATE_RULE } from './lint-rules.ts';
import { platformExceptionsOf } from './exceptions.ts';
import { podTemplateOf } from './shape.ts';
import type { FilePod } from '../kube/rule.ts';
import { secretContentRule } from './secret-content.ts';

import type { Finding, Rule, RuleContext } from '../kube/rule.ts';

interface Container {
  name?: string;
  image?: string;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
  };
  resources?: { requests?: { cpu?: string; memory?: string } };
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name?: string; hostPath?: unknown }[];
}

/** The pod spec inside a workload object, whatever its kind; `undefined` for objects that run no pods. */
export function podSpecOf(object: KubeObject): PodSpec | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return spec as PodSpec;
  if (object.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate as { spec?: { template?: { spec?: PodSpec } } } | undefined;
    return jobTemplate?.spec?.template?.spec;
  }
  const template = spec.template as { spec?: PodSpec } | undefined;
  const podSpec = template?.spec;
  return podSpec && typeof podSpec === 'object' && podSpec.containers ? podSpec : undefined;
}

/** The containers of a pod spec that are objects; others are the schema check's to report. */
function containersOf(pod: PodSpec): Container[] {
  const isContainer = (c: unknown): c is Container => !!c && typeof c === 'object' && !Array.isArray(c);
  const list = (v: unknown): Container[] => (Array.isArray(v) ? v.filter(isContainer) : []);
  return [...list(pod.initContainers), ...list(pod.containers)];
}

/** Splits an image reference into repository, tag and digest. */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = image.split('@') as [string, string | undefined];
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  if (colon > slash) return { repository: nameAndTag.slice(0, colon), tag: nameAndTag.slice(colon + 1), digest };
  return { repository: nameAndTag, digest };
}

function podOf(object: KubeObject): { pod: PodSpec | undefined; containers: Container[] } {
  const pod = podSpecOf(object);
  return { pod, containers: pod ? containersOf(pod) : [] };
}

const podRule = (
  id: string,
  description: string,
  exceptable: boolean,
  check: (pod: PodSpec, env: EnvironmentSpec, containers: readonly Container[]) => Finding[],
): Rule => ({
  id,
  description,
  exceptable,
  check: (object, env) => {
    const { pod, containers } = podOf(object);
    return pod ? check(pod, env, containers) : [];
  },
});

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  {
    id: 'required-labels',
    description: 'every object carries the name, part-of, version and environment labels',
    exceptable: false,
    check: (object, env) => {
      const labels = object.metadata?.labels ?? {};
      const missing = [LABELS.name, LABELS.partOf, LABELS.version, LABELS.environment].filter((k) => !labels[k]);
      const findings: Finding[] = missing.length
        ? [
            {
              message: `missing label(s) ${missing.join(', ')}`,
              fix: 'render it from a spec with `npm run synth` instead of editing manifests by hand',
            },
          ]
        : [];
      if (labels[LABELS.environment] && labels[LABELS.environment] !== env.name) {
        findings.push({
          message: `environment label '${labels[LABELS.environment]}' in the folder of ${env.name}`,
          fix: 're-render with `npm run synth`',
        });
      }
      return findings;
    },
  },
  podRule('run-as-non-root', 'containers run as a non-root user', false, (pod, _env, containers) => {
    const podNonRoot = pod.securityContext?.runAsNonRoot === true && pod.securityContext.runAsUser !== 0;
    return containers
      .filter((c) => {
        const sc = c.securityContext ?? {};
        if (sc.runAsUser === 0 || sc.runAsNonRoot === false) return true;
        return !(sc.runAsNonRoot === true || podNonRoot);
      })
      .map((c) => ({
        message: `container '${c.name}' may run as root`,
        fix: 'set securityContext.runAsNonRoot: true and a non-zero runAsUser',
      }));
  }),
  podRule('read-only-root-fs', 'containers have a read-only root filesystem', true, (_pod, _env, containers) =>
    containers
      .filter((c) => c.securityContext?.readOnlyRootFilesystem !== true)
      .map((c) => ({
        message: `container '${c.name}' can write to its root filesystem`,
        fix: "write to a mounted volume (/tmp is provided); if impossible, set security: { writableRootFilesystem: true, reason: '…' } in the app spec",
      })),
  ),
  podRule('no-privilege-escalation', 'containers cannot gain privileges', false, (_pod, _env, containers) =>
    containers
      .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false || c.securityContext?.privileged === true)
      .map((c) => ({
        message: `container '${c.name}' may escalate privileges`,
        fix: 'set allowPrivilegeEscalation: false and privileged: false',
      })),
  ),
  podRule('no-host-access', 'pods use no host network, PID, IPC or hostPath volumes', false, (pod) => {
    const findings: Finding[] = [];
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      if (pod[key] === true) findings.push({ message: `${key} is on`, fix: `remove ${key}` });
    }
    for (const v of Array.isArray(pod.volumes) ? pod.volumes : []) {
      if (v && v.hostPath !== undefined) {
        const fix = 'use an emptyDir or a PersistentVolumeClaim';
        findings.push({ message: `volume '${v.name}' mounts a host path`, fix });
      }
    }
    return findings;
  }),
  podRule('resource-requests', 'containers request CPU and memory', false, (_pod, _env, containers) =>
    containers
      .filter((c) => !c.resources?.requests?.cpu || !c.resources.requests.memory)
      .map((c) => ({
        message: `container '${c.name}' has no CPU or memory request`,
        fix: "set resources: { cpu: '250m', memory: '512Mi' } in the app spec",
      })),
  ),
  podRule('no-mutable-tag', "images use immutable tags (no 'latest', no untagged)", false, (_pod, env, containers) => {
    if (env.images.allowMutableTags) return [];
    return containers.flatMap((c) => {
      if (c.image !== undefined && typeof c.image !== 'string') return [];
      const image = parseImage(c.image ?? '');
      if (image.tag === undefined && image.digest === undefined) {
        return [
          {
            message: `container '${c.name}' image '${c.image}' has no tag`,
            fix: 'pin a release tag in the versions file',
          },
        ];
      }
      if (image.tag !== undefined && MUTABLE_TAGS.has(image.tag.toLowerCase())) {
        return [
          {
            message: `container '${c.name}' uses mutable tag '${image.tag}' in ${env.name}`,
            fix: 'pin an immutable release tag such as 2.14.0',
          },
        ];
      }
      return [];
    });
  }),
  podRule(
    'image-digest',
    'images are pinned by sha256 digest where the environment requires it',
    false,
    (_pod, env, containers) => {
      if (!env.images.requireDigest) return [];
      return containers
        .filter((c) => !/@sha256:[a-f0-9]{64}$/.test(c.image ?? ''))
        .map((c) => ({
          message: `container '${c.name}' image '${c.image}' is not pinned by digest in ${env.name}`,
          fix: 'promote the version with its digest: npm run promote -- <app> --to <env>',
        }));
    },
  ),
  {
    id: 'no-secret-data',
    description: 'no Secret with data in git (use a secret store and secretRef)',
    exceptable: false,
    check: (object) => {
      if (object.kind !== 'Secret') return [];
      const data = { ...(object.data as object | undefined), ...(object.stringData as object | undefined) };
      return Object.keys(data).length > 0
        ? [
            {
              message: `Secret holds ${Object.keys(data).length} value(s) in git`,
              fix: 'delete it from the manifests, rotate the values, and reference the secret store with secretRef()',
            },
          ]
        : [];
    },
  },
  ...FEATURE_RULES,
  ...API_RULES,
  ...LINT_RULES,
  UPDATE_RULE,
  secretContentRule,
];

/**
 * Rules a platform object (one rendered into `manifests/<env>/platform/`) may be
 * excepted from, with the reason as the annotation value: node agents need host
 * access that no app pod ever gets. App objects cannot use these exceptions.
 */
export const PLATFORM_EXCEPTABLE: ReadonlySet<string> = new Set([
  'no-host-access',
  'run-as-non-root',
  'no-privilege-escalation',
]);

/** Rule ids, for lookups. */
export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));

/**
 * Findings of every rule on one object; `context.file` holds the other objects of its manifest file. An exceptable
 * rule is skipped when the object carries an exception with a reason, and so is a rule of `PLATFORM_EXCEPTABLE`
 * on a platform object (`context.platform`).
 */
export function checkPolicy(
  object: KubeObject,
  env: EnvironmentSpec,
  context: { file?: readonly KubeObject[]; platform?: boolean; filePods?: () => readonly FilePod[] } = {},
): { rule: string; message: string; fix: string }[] {
  const excepted = exceptionsOf(object);
  const out: { rule: string; message: string; fix: string }[] = [];
  const file = context.file ?? [object];
  const platform = context.platform === true;
  let ruleContext: RuleContext;
  try {
    // The pod template is read once and given to the rules that take it from their context (the features' rules).
    ruleContext = { platform, pod: podTemplateOf(object), filePods: context.filePods };
  } catch {
    // A pod spec of the wrong shape: each rule reads it again, and a rule that cannot is reported as such below.
    ruleContext = { platform, filePods: context.filePods };
  }
  const { namespace, name } = object.metadata ?? {};
  const listed = platform ? platformExceptionsOf(object.kind, namespace, name) : undefined;
  for (const rule of RULES) {
    if (excepted?.has(rule.id) && (rule.exceptable || (platform && PLATFORM_EXCEPTABLE.has(rule.id)))) continue;
    if (listed?.has(rule.id)) continue;
    let findings: Finding[];
    try {
      findings = rule.check(object, env, file, ruleContext);
    } catch (error) {
      out.push({
        rule: 'malformed',
        message: `the object is malformed where rule '${rule.id}' reads it (${(error as Error).message})`,
        fix: 'correct the fields the schema errors name; render it from the spec with `npm run synth`',
      });
      continue;
    }
    for (const f of findings) out.push({ rule: rule.id, message: f.message, fix: f.fix });
  }
  return out;
}

const EXCEPTION_PREFIX = `${ANNOTATIONS.exceptionPrefix}/`;

/** Ids of the rules `object` is excepted from: annotations `policy.platform.insure.example/<id>` with a reason. */
function exceptionsOf(object: KubeObject): Set<string> | undefined {
  const annotations = object.metadata?.annotations;
  let out: Set<string> | undefined;
  for (const key in annotations) {
    if (
      key.length > EXCEPTION_PREFIX.length &&
      key.startsWith(EXCEPTION_PREFIX) &&
      String(annotations[key] ?? '').trim()
    )
      out = (out ?? new Set()).add(key.slice(EXCEPTION_PREFIX.length));
  }
  return out;
}

/** Findings of the rules that compare environments, over every rendered file. */
export function checkPolicyAcross(
  files: readonly RenderedFile[],
  environments: ReadonlyMap<string, EnvironmentSpec>,
): { file: string; object: string; rule: string; message: string; fix: string }[] {
  return RULES.flatMap((rule) => (rule.checkAcross?.(files, environments) ?? []).map((f) => ({ rule: rule.id, ...f })));
}

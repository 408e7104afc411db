/**
 * Safe readers of untrusted objects: manifests are data from a pull request,
 * so any field may hold any type. The readers return `undefined` or `[]` for a
 * value of the wrong type (the schema check reports it) instead of throwing.
 */
import type { KubeObject } from '../kube/object.ts';
import type { FilePod, PodTemplateView, RuleContext } from '../kube/rule.ts';

/** A plain object, or `undefined`. */
export function rec(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The plain objects of an array; `[]` for anything else. */
export function recs(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(rec).filter((v): v is Record<string, unknown> => v !== undefined) : [];
}

/** A string, or `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The strings of an array; `[]` for anything else. */
export function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A map of strings (labels, matchLabels), or `{}`. */
export function labelsOf(value: unknown): Record<string, string> {
  const r = rec(value);
  if (!r) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Kinds whose `spec.template` is a pod template. */
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CloneSet']);

/** The pod template (labels, spec, containers) of a workload, whatever its kind; `undefined` for other objects. */
export function podTemplateOf(object: KubeObject): PodTemplateView | undefined {
  const view = templateOf(object);
  return view && { ...view, containers: allContainers(view.spec) };
}

/** The pod template of `object` as the rule's context gives it (read once for every rule), or read from the object. */
export function podOfRule(object: KubeObject, context: RuleContext | undefined): PodTemplateView | undefined {
  return context && 'pod' in context ? context.pod : podTemplateOf(object);
}

function templateOf(object: KubeObject): { labels: Record<string, string>; spec: Record<string, unknown> } | undefined {
  const spec = rec(object.spec);
  if (!spec) return undefined;
  if (object.kind === 'Pod') return { labels: labelsOf(rec(object.metadata)?.labels), spec };
  let template: Record<string, unknown> | undefined;
  if (object.kind === 'CronJob') template = rec(rec(rec(spec.jobTemplate)?.spec)?.template);
  else if (TEMPLATE_KINDS.has(object.kind)) template = rec(spec.template);
  const podSpec = rec(template?.spec);
  return podSpec && template ? { labels: labelsOf(rec(template.metadata)?.labels), spec: podSpec } : undefined;
}

/** Every container of a pod spec (init, regular, ephemeral) that is an object. */
export function allContainers(pod: Record<string, unknown>): Record<string, unknown>[] {
  return [...recs(pod.initContainers), ...recs(pod.containers), ...recs(pod.ephemeralContainers)];
}

/**
 * Whether a label selector (`matchLabels` and `matchExpressions`) selects `labels`.
 * An empty selector selects everything.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = rec(selector);
  if (!s) return false;
  for (const [k, v] of Object.entries(labelsOf(s.matchLabels))) if (labels[k] !== v) return false;
  for (const e of recs(s.matchExpressions)) {
    const key = str(e.key) ?? '';
    const values = strs(e.values);
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a selector has no terms (selects every pod). */
export function selectorIsEmpty(selector: unknown): boolean {
  const s = rec(selector);
  return !!s && Object.keys(labelsOf(s.matchLabels)).length === 0 && recs(s.matchExpressions).length === 0;
}

/** The pod templates of the objects of a manifest file, as the rule's context gives them or read from `objects`. */
export function podsOfFile(objects: readonly KubeObject[], context?: RuleContext): readonly FilePod[] {
  return context?.filePods ? context.filePods() : filePodsOf(objects);
}

/** Reads the pod templates of the objects of a manifest file once, on first call; `validateFiles` gives it per file. */
export function filePodsReader(objects: readonly KubeObject[]): () => readonly FilePod[] {
  let pods: FilePod[] | undefined;
  return () => (pods ??= filePodsOf(objects));
}

function filePodsOf(objects: readonly KubeObject[]): FilePod[] {
  const out: FilePod[] = [];
  for (const object of objects) {
    const view = podTemplateOf(object);
    if (view) out.push({ ...view, object });
  }
  return out;
}

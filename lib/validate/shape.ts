/**
 * Safe readers of untrusted objects: manifests are data from a pull request,
 * so any field may hold any type. The readers return `undefined` or `[]` for a
 * value of the wrong type (the schema check reports it) instead of throwing.
 */
import type { KubeObject } from '../kube/object.ts';

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

/** A pod template as the rules read it. */
export interface PodTemplateView {
  readonly labels: Record<string, string>;
  readonly spec: Record<string, unknown>;
  readonly containers: Record<string, unknown>[];
}

/** The object `checkPolicy` is checking and its pod template: every pod rule reads it, so it is looked up once. */
let current: { object: KubeObject; view: PodTemplateView | undefined } | undefined;

/** Makes `podTemplateOf(object)` compute once until `endObject`; `checkPolicy` brackets its rules with them. */
export function beginObject(object: KubeObject): void {
  current = undefined;
  current = { object, view: podTemplateOf(object) };
}

/** Ends what `beginObject` began. */
export function endObject(): void {
  current = undefined;
}

/** The pod template (labels, spec, containers) of a workload, whatever its kind; `undefined` for other objects. */
export function podTemplateOf(object: KubeObject): PodTemplateView | undefined {
  if (current?.object === object) return current.view;
  const view = templateOf(object);
  return view && { ...view, containers: allContainers(view.spec) };
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

/** A pod template of a manifest file, with the object that holds it. */
export interface FilePod extends PodTemplateView {
  readonly object: KubeObject;
}

/** The file `validateFiles` is checking and its pods, computed on first use. */
let currentFile: { objects: readonly KubeObject[]; pods?: FilePod[] } | undefined;

/** Makes `podsOfFile(objects)` compute once until `endFile`; `validateFiles` brackets each file with them. */
export function beginFile(objects: readonly KubeObject[]): void {
  currentFile = { objects };
}

/** Ends what `beginFile` began. */
export function endFile(): void {
  currentFile = undefined;
}

/** The pod templates of the objects of a manifest file. */
export function podsOfFile(objects: readonly KubeObject[]): FilePod[] {
  if (currentFile?.objects === objects) return (currentFile.pods ??= computePods(objects));
  return computePods(objects);
}

function computePods(objects: readonly KubeObject[]): FilePod[] {
  const out: FilePod[] = [];
  for (const object of objects) {
    const view = podTemplateOf(object);
    if (view) out.push({ ...view, object });
  }
  return out;
}

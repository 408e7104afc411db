/**
 * Semantic diff of rendered objects: what changed in each object, field by
 * field, classified by what the change does (`image`, `config`, `scale`,
 * `resources`, `rollout`, `added`, `removed`, `other`).
 *
 * Not a text diff: key order never matters, and lists Kubernetes merges by a
 * key (env vars and containers by name, ports by name, mounts by path) are
 * compared item by item under that key, so reordering them is no change.
 */
import { objectId } from '../kube/order.ts';
import type { KubeObject } from '../kube/object.ts';
import type { ReleaseChangeKind } from '../spec/environment.ts';
import { cmp } from '../util/compare.ts';
import type { PlacedObject } from './manifests.ts';

/** Kinds of change, in the order reports list them. */
export const CHANGE_KINDS: readonly ReleaseChangeKind[] = [
  'removed',
  'added',
  'image',
  'config',
  'scale',
  'resources',
  'rollout',
  'other',
];

/** Label that follows the pinned image tag; reported once per app as its version, not as a change of every object. */
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** One field that differs; `before`/`after` are absent where the field is. */
export interface FieldChange {
  /** Readable path: `spec.template.spec.containers[claims-api].env[LOG_LEVEL].value`. */
  readonly path: string;
  /** The path as map keys and list items (by merge key or index). */
  readonly segments: readonly PathSegment[];
  /** Map keys along the path, list items left out (for classification). */
  readonly keys: readonly string[];
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A change of one kind to one object in one environment. */
export interface ObjectChange {
  readonly env: string;
  readonly app: string;
  readonly kind: ReleaseChangeKind;
  /** `apiVersion/kind/namespace/name` of the object (at head; at base when removed). */
  readonly object: string;
  /** The object at base, when it existed. */
  readonly before?: KubeObject;
  /** The object at head, when it exists. */
  readonly after?: KubeObject;
  /** Fields of this kind that changed; empty for `added` and `removed`. */
  readonly fields: readonly FieldChange[];
}

/**
 * Compares the objects of changed files at base and head; returns every change, sorted by env, app, object and kind.
 */
export function diffObjects(before: readonly PlacedObject[], after: readonly PlacedObject[]): ObjectChange[] {
  const old = new Map(before.map((p) => [identity(p), p]));
  const now = new Map(after.map((p) => [identity(p), p]));
  const out: ObjectChange[] = [];
  for (const [key, b] of old) {
    if (!now.has(key))
      out.push({ env: b.env, app: b.app, kind: 'removed', object: objectId(b.object), before: b.object, fields: [] });
  }
  for (const [key, a] of now) {
    const b = old.get(key);
    if (!b) {
      out.push({ env: a.env, app: a.app, kind: 'added', object: objectId(a.object), after: a.object, fields: [] });
      continue;
    }
    const fields = diffFields(b.object, a.object);
    const byKind = new Map<ReleaseChangeKind, FieldChange[]>();
    for (const f of fields) {
      const kind = classifyField(a.object, f.keys, f);
      byKind.set(kind, [...(byKind.get(kind) ?? []), f]);
    }
    for (const [kind, list] of byKind)
      out.push({
        env: a.env,
        app: a.app,
        kind,
        object: objectId(a.object),
        before: b.object,
        after: a.object,
        fields: list,
      });
  }
  return out.sort(
    (x, y) =>
      cmp(x.env, y.env) ||
      cmp(x.app, y.app) ||
      cmp(x.object, y.object) ||
      CHANGE_KINDS.indexOf(x.kind) - CHANGE_KINDS.indexOf(y.kind),
  );
}

/** Every field that differs between two objects, in path order. */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], out);
  return out;
}

/** Lists of containers in a pod spec: a container added to or removed from one brings or drops an image. */
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * What a change to the field at `keys` (map keys, list items left out) of `object` does; `change`,
 * when given, tells a whole container added or removed (an image change) from one of its fields.
 */
export function classifyField(
  object: KubeObject,
  keys: readonly string[],
  change?: Pick<FieldChange, 'before' | 'after'>,
): ReleaseChangeKind {
  const [first, second] = keys;
  const last = keys[keys.length - 1];
  const kind = object.kind;
  if (kind === 'ConfigMap' && (first === 'data' || first === 'binaryData')) return 'config';
  if (kind === 'Secret' && (first === 'data' || first === 'stringData')) return 'config';
  if (kind === 'HorizontalPodAutoscaler' && first === 'spec' && second !== 'scaleTargetRef') return 'scale';
  if (kind === 'PodDisruptionBudget' && first === 'spec') return 'rollout';
  if (kind === 'Rollout' && first === 'spec' && second === 'strategy') return 'rollout';
  if (keys.some((k) => CONTAINER_LISTS.has(k))) {
    if (last === 'image') return 'image';
    if (CONTAINER_LISTS.has(last!) && change !== undefined && [change.before, change.after].some(hasImage))
      return 'image';
    if (keys.includes('env') || keys.includes('envFrom') || keys.includes('command') || keys.includes('args'))
      return 'config';
    if (keys.includes('resources')) return 'resources';
  }
  if (first === 'spec' && second === 'replicas' && keys.length === 2) return 'scale';
  if (keys.some((k) => ROLLOUT_FIELDS.has(k))) return 'rollout';
  return 'other';
}

/** Fields that decide how pods are replaced, probed and stopped. */
const ROLLOUT_FIELDS = new Set([
  'strategy',
  'updateStrategy',
  'scaleStrategy',
  'minReadySeconds',
  'progressDeadlineSeconds',
  'paused',
  'podManagementPolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'terminationGracePeriodSeconds',
  'lifecycle',
]);

/** Keys by which Kubernetes merges list items; the first one that is present and unique in every item is used. */
const LIST_KEYS = ['name', 'mountPath', 'devicePath', 'containerPort', 'port', 'topologyKey', 'ip'];

/** One step of a field path: a map key, or a list item named by its merge key (or index). */
export type PathSegment = { readonly key: string } | { readonly item: string };

/** Walks both values together; `path` is one stack, pushed and popped, and copied only where a field differs. */
function walk(a: unknown, b: unknown, path: PathSegment[], out: FieldChange[]): void {
  if (a === b) return;
  if (isMap(a) && isMap(b)) {
    const parent = path[path.length - 1];
    const labels = parent !== undefined && 'key' in parent && parent.key === 'labels';
    const keys = Object.keys(a);
    for (const key of Object.keys(b)) if (!Object.hasOwn(a, key)) keys.push(key);
    for (const key of keys.sort(cmp)) {
      if (labels && key === VERSION_LABEL) continue;
      path.push({ key });
      walk(a[key], b[key], path, out);
      path.pop();
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = listKey(a, b);
    if (key) {
      const left = new Map(a.map((x) => [String((x as Record<string, unknown>)[key]), x]));
      const right = new Map(b.map((x) => [String((x as Record<string, unknown>)[key]), x]));
      for (const k of [...new Set([...left.keys(), ...right.keys()])]) {
        path.push({ item: k });
        walk(left.get(k), right.get(k), path, out);
        path.pop();
      }
      return;
    }
    if (a.length === b.length) {
      a.forEach((x, i) => {
        path.push({ item: String(i) });
        walk(x, b[i], path, out);
        path.pop();
      });
      return;
    }
  }
  if (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)) return;
  out.push(fieldChange([...path], a, b));
}

function fieldChange(path: PathSegment[], before: unknown, after: unknown): FieldChange {
  const keys = path.flatMap((s) => ('key' in s ? [s.key] : []));
  const text = path
    .map((s, i) =>
      'item' in s
        ? `[${s.item}]`
        : /^[A-Za-z_$][\w$-]*$/.test(s.key)
          ? i === 0
            ? s.key
            : `.${s.key}`
          : `[${JSON.stringify(s.key)}]`,
    )
    .join('');
  return {
    path: text,
    segments: path,
    keys,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  };
}

function listKey(a: unknown[], b: unknown[]): string | undefined {
  const items = [...a, ...b];
  if (items.length === 0 || !items.every(isMap)) return undefined;
  return LIST_KEYS.find((key) => unique(a, key) && unique(b, key));
}

function unique(list: unknown[], key: string): boolean {
  const seen = new Set<string>();
  for (const item of list) {
    const v = (item as Record<string, unknown>)[key];
    if (typeof v !== 'string' && typeof v !== 'number') return false;
    if (seen.has(String(v))) return false;
    seen.add(String(v));
  }
  return true;
}

function hasImage(x: unknown): boolean {
  return isMap(x) && typeof x.image === 'string';
}

function isMap(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Identity of an object in an environment: API group (not version), kind, namespace, name. */
function identity(p: PlacedObject): string {
  const group = p.object.apiVersion.includes('/') ? p.object.apiVersion.slice(0, p.object.apiVersion.indexOf('/')) : '';
  return [p.env, group, p.object.kind, p.object.metadata.namespace ?? '', p.object.metadata.name].join('\0');
}

/**
 * API objects as JSON, in one walk per object.
 *
 * cdk8s writes an object in three walks over its data: token resolution (with
 * a context object, a key path and a search for the App per value), a copy
 * that sorts keys and drops empty values, then the construct library's
 * generated mapping of typed props to Kubernetes field names. The first two
 * cost more than building the constructs. `objectJson` does them in one walk
 * with the same rules (cdk8s' default resolvers: `Lazy`, implicit tokens, and
 * number-or-string unions), then the library's own mapping, replayed from the
 * plan learnt for the shape of its input (`mapping.ts`), so the result is what
 * `toJson()` returns. Anything the walk does not stand for (a JSON patch,
 * custom resolvers, a class without a generated mapping) goes through
 * `toJson()` itself.
 *
 * The walk reads fields that cdk8s keeps private, so it can break on a cdk8s
 * upgrade. `PLATFORM_CDK8S_TOJSON=1` (or `withLibraryJson`) turns it off:
 * every object and metadata is then written by the library's own `toJson()`.
 * `test/cdk8s/` renders apps of every kind both ways and compares the bytes.
 */
import {
  App,
  ImplicitTokenResolver,
  Lazy,
  LazyResolver,
  NumberStringUnionResolver,
  type ApiObject,
  type ApiObjectMetadataDefinition,
} from 'cdk8s';
import { k8s } from './k8s.ts';
import { applyMapping, type Mapping } from './mapping.ts';
import { isSorted } from '../util/compare.ts';

/** A Kubernetes object as JSON: what `toJson()` of an API object returns. */
export type ObjectJson = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** Environment variable that turns the walk off when set to `1`: objects are written by cdk8s' own `toJson()`. */
export const LIBRARY_JSON_VARIABLE = 'PLATFORM_CDK8S_TOJSON';

/** Whether objects are written by the library's `toJson()` instead of the walk; read once, at load. */
let libraryJson = process.env[LIBRARY_JSON_VARIABLE] === '1';

/**
 * Runs `write` with the walk off (`on`: objects written by the library's own `toJson()`) or on,
 * whatever the environment variable says; the setting before is restored afterwards.
 */
export function withLibraryJson<T>(on: boolean, write: () => T): T {
  const before = libraryJson;
  libraryJson = on;
  try {
    return write();
  } finally {
    libraryJson = before;
  }
}

/** How a walk treats collections. */
interface WalkRules {
  /** Sort object keys (cdk8s does unless `CDK8S_DISABLE_SORT` is set). */
  readonly sortKeys: boolean;
  /** Drop empty arrays and empty objects, as cdk8s does for metadata. */
  readonly dropEmpty: boolean;
}

const METADATA_RULES: WalkRules = { sortKeys: true, dropEmpty: true };
const SORTED: WalkRules = { sortKeys: true, dropEmpty: false };
const UNSORTED: WalkRules = { sortKeys: false, dropEmpty: false };

/** What `ApiObject` keeps privately and the walk reads. */
interface ApiObjectInternals {
  readonly props?: Readonly<Record<string, unknown>>;
  readonly patches?: readonly unknown[];
}

/** What `ApiObjectMetadataDefinition` keeps privately and the walk reads. */
interface MetadataInternals {
  readonly _additionalAttributes?: Readonly<Record<string, unknown>>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly ownerReferences?: readonly unknown[];
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Each generated class of the construct library (`KubeDeployment`…), by class, with its
 * `toJson_<Class>Props` mapping of typed props to Kubernetes JSON.
 */
const MAPPINGS: ReadonlyMap<unknown, { readonly gvk: Readonly<Record<string, string>>; readonly map: Mapping }> =
  (() => {
    const exports = k8s as unknown as Record<string, unknown>;
    const out = new Map<unknown, { gvk: Record<string, string>; map: Mapping }>();
    for (const [name, value] of Object.entries(exports)) {
      const map = exports[`toJson_${name}Props`];
      const gvk = (value as { GVK?: Record<string, string> } | undefined)?.GVK;
      if (typeof value === 'function' && typeof map === 'function' && gvk) out.set(value, { gvk, map: map as Mapping });
    }
    return out;
  })();

/** Apps whose resolvers are cdk8s' three defaults, in their order: the walk resolves as they do. */
const defaultResolvers = new WeakMap<App, boolean>();

function resolvesByDefault(app: App): boolean {
  let known = defaultResolvers.get(app);
  if (known === undefined) {
    const r = app.resolvers;
    known =
      r.length === 3 &&
      r[0] instanceof LazyResolver &&
      r[1] instanceof ImplicitTokenResolver &&
      r[2] instanceof NumberStringUnionResolver;
    defaultResolvers.set(app, known);
  }
  return known;
}

/** The object as Kubernetes JSON: what `object.toJson()` returns, written in one walk where it can be. */
export function objectJson(object: ApiObject): ObjectJson {
  if (libraryJson) return object.toJson() as ObjectJson;
  const mapping = MAPPINGS.get(object.constructor);
  const internals = object as unknown as ApiObjectInternals;
  const props = internals.props;
  const patched = !Array.isArray(internals.patches) || internals.patches.length > 0;
  if (!mapping || !props || patched || !resolvesByDefault(App.of(object) as App)) {
    return object.toJson() as ObjectJson;
  }
  const resolved: Record<string, unknown> = {};
  try {
    const rules = process.env.CDK8S_DISABLE_SORT ? UNSORTED : SORTED;
    for (const key of Object.keys(props)) {
      if (key === 'metadata') continue;
      const value = walk(props[key], rules, true);
      if (value !== undefined) resolved[key] = value;
    }
    // The metadata is written already resolved and sorted: walking it again would change nothing.
    const metadata = metadataJson(object.metadata);
    if (metadata !== undefined) resolved.metadata = metadata;
  } catch (error) {
    throw new Error(`Failed serializing construct at path '${object.node.path}' with name '${object.name}': ${error}`);
  }
  return { ...mapping.gvk, ...(applyMapping(mapping.map, resolved) as Record<string, unknown>) } as ObjectJson;
}

/** The metadata as Kubernetes JSON: what `metadata.toJson()` returns (`undefined` when it has nothing), in one walk. */
export function metadataJson(metadata: ApiObjectMetadataDefinition): Record<string, unknown> | undefined {
  const m = metadata as unknown as MetadataInternals;
  const extra = m._additionalAttributes;
  const lists = Array.isArray(m.finalizers) && Array.isArray(m.ownerReferences);
  if (libraryJson || !extra || !m.labels || !m.annotations || !lists) {
    return metadata.toJson() as Record<string, unknown> | undefined;
  }
  if (
    m.finalizers.length > 0 ||
    m.ownerReferences.length > 0 ||
    !Object.keys(extra).every((key) => KEPT_METADATA.has(key))
  ) {
    const data = {
      ...extra,
      name: m.name,
      namespace: m.namespace,
      annotations: m.annotations,
      finalizers: m.finalizers,
      ownerReferences: m.ownerReferences,
      labels: m.labels,
    };
    return walk(data, METADATA_RULES, true) as Record<string, unknown> | undefined;
  }
  // The usual metadata, nothing but what the definition keeps itself, read from it in key order;
  // the empty finalizers and owner references (between annotations and labels, and last) are left out.
  return members(m as Record<string, unknown>, [...USUAL_METADATA], METADATA_RULES, true);
}

/** The fields of the usual metadata, in key order. */
const USUAL_METADATA = ['annotations', 'labels', 'name', 'namespace'] as const;

/**
 * The metadata fields `ApiObjectMetadataDefinition` keeps itself, overriding the same keys of its additional
 * attributes.
 */
const KEPT_METADATA = new Set(['name', 'namespace', 'annotations', 'finalizers', 'ownerReferences', 'labels']);

/**
 * One value resolved and copied: tokens replaced as cdk8s' default resolvers
 * replace them (when `resolve`), `null` and `undefined` members dropped, keys
 * sorted, and a class instance that is not a token refused, as cdk8s refuses it.
 * Plain objects and arrays, nearly every value, take the short way; the rest
 * goes through `token`.
 */
function walk(value: unknown, rules: WalkRules, resolve: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return typeof value === 'function' ? token(value, rules, resolve) : value;
  if (Array.isArray(value)) {
    if (resolve && typeof (value as { resolve?: unknown }).resolve === 'function') return token(value, rules, resolve);
    if (rules.dropEmpty && value.length === 0) return undefined;
    return value.map((item) => walk(item, rules, resolve));
  }
  if ((value as object).constructor !== Object) return token(value, rules, resolve);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // An implicit token is a plain object too: one with a `resolve` function, its own or inherited.
  if (
    resolve &&
    (keys.includes('resolve') || Object.getPrototypeOf(record) !== Object.prototype) &&
    typeof record.resolve === 'function'
  ) {
    return token(value, rules, resolve);
  }
  return members(record, keys, rules, resolve);
}

/** The members of a plain object, walked, in key order, without the empty ones. */
function members(
  record: Record<string, unknown>,
  keys: string[],
  rules: WalkRules,
  resolve: boolean,
): Record<string, unknown> | undefined {
  // Most objects are built in key order already; checking is cheaper than sorting.
  if (rules.sortKeys && !isSorted(keys)) keys.sort();
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key of keys) {
    const member = walk(record[key], rules, resolve);
    if (member !== undefined && member !== null) {
      out[key] = member;
      empty = false;
    }
  }
  return rules.dropEmpty && empty ? undefined : out;
}

/**
 * A value that is not a plain object or array, or one that is a token: resolved by cdk8s'
 * default resolvers in their order (`Lazy`, implicit token, number-or-string union), then walked.
 */
function token(input: unknown, rules: WalkRules, resolve: boolean): unknown {
  let value = input;
  if (resolve) {
    for (;;) {
      if (value instanceof Lazy) value = value.produce();
      else if (typeof (value as { resolve?: unknown }).resolve === 'function')
        value = (value as { resolve(): unknown }).resolve();
      else break;
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'object' && typeof value !== 'function') return value;
    }
    const inner = (value as { value?: unknown }).value;
    if ((value as object).constructor !== Object && (typeof inner === 'number' || typeof inner === 'string'))
      return { value: inner };
  }
  if (typeof value === 'function') return value;
  if (Array.isArray(value)) {
    if (rules.dropEmpty && value.length === 0) return undefined;
    return value.map((item) => walk(item, rules, resolve));
  }
  const ctor = (value as object).constructor;
  if (ctor !== Object && ctor.name !== 'Object')
    throw new Error(`can't render non-simple object of type '${ctor.name}'`);
  // cdk8s resolves inside plain objects only; another realm's plain object is copied as it is.
  return members(value as Record<string, unknown>, Object.keys(value as object), rules, resolve && ctor === Object);
}

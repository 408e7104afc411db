/**
 * `PlainObject`: an API object the platform writes as plain JSON.
 */
import { ApiObject, Lazy, type ApiObjectMetadata, type JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../kube/object.ts';
import { metadataJson } from '../cdk8s/json.ts';
import { isPlainRecord } from '../util/data.ts';

/** The object as Kubernetes reads it, typed by `kubernetes-models` or the platform's CRD types. */
export interface PlainObjectProps {
  readonly apiVersion: string;
  readonly kind: string;
  /** Name and annotations; the chart adds its namespace and labels, as for any `ApiObject`. */
  readonly metadata?: ApiObjectMetadata;
  // The rest of the object (`spec`, `data`, …) is plain data: strings, numbers, booleans, arrays and plain objects.
  // A top-level field may instead be a `Lazy` producing plain data, for a body built from other constructs.
}

/**
 * An `ApiObject` whose body is plain data built by the platform (a
 * NetworkPolicy, a CloneSet, a PrometheusRule …). It takes its namespace and
 * labels from the chart like any other object, but synthesises by copying its
 * body instead of running cdk8s' token resolution over it: plain data holds no
 * tokens, and that walk cost more than the rest of the object's render.
 * A top-level field may be a `Lazy`, produced when the object is written (a
 * CloneSet's spec, built from its pod's constructs). Anything else that is not
 * plain data (a `Duration`, a nested `Lazy`, a class instance) fails the
 * synthesis, naming the field.
 */
export class PlainObject<T extends PlainObjectProps = PlainObjectProps> extends ApiObject {
  private readonly body: Readonly<Record<string, unknown>>;

  constructor(scope: Construct, id: string, props: T) {
    const { apiVersion, kind, metadata, ...body } = props as PlainObjectProps & Record<string, unknown>;
    super(scope, id, { apiVersion, kind, metadata });
    this.body = body;
  }

  /** Not supported: the body is the platform's own data, so edit it where it is built. */
  public override addJsonPatch(..._ops: JsonPatch[]): void {
    throw new Error(
      `${this.kind} ${this.name} is a PlainObject: set the field where its body is built instead of patching it`,
    );
  }

  /** The object as Kubernetes JSON: metadata as cdk8s writes it, then a copy of the body. */
  public override toJson(): KubeObject {
    const out: KubeObject = {
      apiVersion: this.apiVersion,
      kind: this.kind,
      metadata: metadataJson(this.metadata) as KubeObject['metadata'],
    };
    for (const key of Object.keys(this.body)) {
      const field = this.body[key];
      const value: unknown = field instanceof Lazy ? field.produce() : field;
      let copy: unknown;
      try {
        copy = copyJson(value);
      } catch (error) {
        if (!(error instanceof NotPlain)) throw error;
        // The copy keeps no path, so that it builds no string per value; the failure looks for it.
        const found = notPlainAt(value, key) ?? { path: key, what: error.what };
        throw new Error(
          `${this.kind} ${this.name}: field '${found.path}' holds a ${found.what}, not plain data; write the value itself (e.g. a number of seconds for a Duration)`,
        );
      }
      if (copy !== undefined) out[key] = copy;
    }
    return out;
  }
}

/** Thrown by `copyJson` on a value that is not plain data. */
class NotPlain extends Error {
  constructor(public readonly what: string) {
    super(`a ${what} is not plain data`);
  }
}

/**
 * What `value` itself is when it is not plain data (its type or class), not looking inside it; `undefined` for plain
 * data.
 */
function notPlainKind(value: unknown): string | undefined {
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return typeof value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isPlainRecord(value)) return undefined;
  return value.constructor?.name ?? 'object';
}

/**
 * A deep copy of plain data without `undefined` and `null` members (as cdk8s drops them); throws `NotPlain` on anything
 * else.
 */
function copyJson(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  const kind = notPlainKind(value);
  if (kind !== undefined) throw new NotPlain(kind);
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out;
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const copy = copyJson(record[key]);
    if (copy !== undefined) out[key] = copy;
  }
  return out;
}

/** The path (`spec.steps[0].pause`) and type of the first value under `value` that is not plain data. */
function notPlainAt(value: unknown, path: string): { path: string; what: string } | undefined {
  const what = notPlainKind(value);
  if (what !== undefined) return { path, what };
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = notPlainAt(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = notPlainAt((value as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

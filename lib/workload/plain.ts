/**
 * `PlainObject`: an API object the platform writes as plain JSON.
 */
import { ApiObject, type ApiObjectMetadata, type JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../render/yaml.ts';
import { metadataJson } from './json.ts';

/** The object as Kubernetes reads it, typed by `kubernetes-models` or the platform's CRD types. */
export interface PlainObjectProps {
  readonly apiVersion: string;
  readonly kind: string;
  /** Name and annotations; the chart adds its namespace and labels, as for any `ApiObject`. */
  readonly metadata?: ApiObjectMetadata;
  // The rest of the object (`spec`, `data`, …) is plain data: strings, numbers, booleans, arrays and plain objects.
}

/**
 * An `ApiObject` whose body is plain data built by the platform (a
 * NetworkPolicy, a CloneSet, a PrometheusRule …). It takes its namespace and
 * labels from the chart like any other object, but synthesises by copying its
 * body instead of running cdk8s' token resolution over it: plain data holds no
 * tokens, and that walk cost more than the rest of the object's render.
 * Anything that is not plain data (a `Duration`, a `Lazy`, a class instance)
 * fails the synthesis, naming the field.
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
    throw new Error(`${this.kind} ${this.name} is a PlainObject: set the field where its body is built instead of patching it`);
  }

  /** The object as Kubernetes JSON: metadata as cdk8s writes it, then a copy of the body. */
  public override toJson(): KubeObject {
    const out: KubeObject = { apiVersion: this.apiVersion, kind: this.kind, metadata: metadataJson(this.metadata) as KubeObject['metadata'] };
    for (const [key, value] of Object.entries(this.body)) {
      const copy = copyJson(value, key, this);
      if (copy !== undefined) out[key] = copy;
    }
    return out;
  }
}

/** A deep copy of plain data without `undefined` and `null` members (as cdk8s drops them); throws on anything else. */
function copyJson(value: unknown, path: string, owner: PlainObject): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') throw notPlain(owner, path, typeof value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => copyJson(item, `${path}[${i}]`, owner));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    throw notPlain(owner, path, (value as object).constructor?.name ?? 'object');
  }
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const copy = copyJson(member, `${path}.${key}`, owner);
    if (copy !== undefined) out[key] = copy;
  }
  return out;
}

function notPlain(owner: PlainObject, path: string, what: string): Error {
  return new Error(`${owner.kind} ${owner.name}: field '${path}' holds a ${what}, not plain data; write the value itself (e.g. a number of seconds for a Duration)`);
}

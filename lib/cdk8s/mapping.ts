/**
 * The construct library's generated mappings (typed props → Kubernetes JSON),
 * learnt once per shape of their input.
 *
 * A generated mapping renames a few fields (`hostIpc` → `hostIPC`), unwraps
 * quantities, drops undefined members, and builds every object again once per
 * member: it cost as much as resolving the props. What it does depends on the
 * shape of its input alone (which keys, which array lengths, which members
 * are absent), not on the values. So it runs once per shape, on a copy whose
 * values are markers, and where each marker lands is where each value goes for
 * every input of that shape. A marker notices being read from or converted
 * (a member read, `toISOString()`, a template string): a mapping that does so
 * keeps running itself for that shape, as does one whose plan does not give,
 * for the input it was learnt from, what the mapping gives. A marker cannot
 * notice being compared (`===`), tested for truth or asked its `typeof`: the
 * generated mappings do none of these but `=== undefined`, which a test
 * checks against the installed library; a mapping that did would need
 * running as it is. An input's shape is read as tokens
 * (brackets, keys, kinds of value) into one reused list, with a hash that
 * finds the shapes seen it may be: no text is built for it.
 */
import { isPlainRecord } from '../util/data.ts';

/** A generated mapping: `toJson_KubeDeploymentProps` and the like. */
export type Mapping = (props: unknown) => unknown;

/**
 * How a learnt mapping writes its output: the `n`-th value of the input (a
 * number), an object, an array, or a value that does not come from the input.
 */
type Plan = number | ObjectPlan | ArrayPlan | { readonly constant: unknown };

interface ObjectPlan {
  readonly keys: readonly string[];
  readonly members: readonly Plan[];
}

interface ArrayPlan {
  readonly items: readonly Plan[];
}

/** The index of each marker: the value of the input it stands for while a mapping is learnt. */
const markers = new WeakMap<object, number>();
/** Whether the mapping being learnt looked at a marker. */
let looked = false;
const look = (): never => {
  looked = true;
  throw new TypeError('a mapping looked at a value while it was learnt');
};
/** Every operation on a marker but passing it on is a look at the value it stands for. */
const watching: ProxyHandler<object> = {
  get: look,
  has: look,
  ownKeys: look,
  getOwnPropertyDescriptor: look,
  getPrototypeOf: look,
  set: look,
  defineProperty: look,
  deleteProperty: look,
  isExtensible: look,
  preventExtensions: look,
  setPrototypeOf: look,
};

function marker(index: number): object {
  const proxy = new Proxy({}, watching);
  markers.set(proxy, index);
  return proxy;
}

/** A shape seen: its tokens (brackets, keys, kinds of value, in reading order) and the plan learnt for it. */
interface Shape {
  readonly tokens: readonly unknown[];
  readonly plan: Plan | null;
}

const OPEN_OBJECT = Symbol('{');
const CLOSE_OBJECT = Symbol('}');
const OPEN_ARRAY = Symbol('[');
const CLOSE_ARRAY = Symbol(']');
const ABSENT = Symbol('undefined');
const NULL = Symbol('null');
const STRING = Symbol('string');
const NUMBER = Symbol('number');
const BOOLEAN = Symbol('boolean');
const OTHER = Symbol('other');
/** A small number per structural token, for the hash of a shape. */
const TOKEN_CODES = new Map<unknown, number>(
  [OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, ABSENT, NULL, STRING, NUMBER, BOOLEAN, OTHER].map((t, i) => [
    t,
    i + 1,
  ]),
);

/** The shapes seen per mapping, by a hash of their tokens; a mapping's table that grows past `SHAPES_KEPT` (map keys are data) starts again. */
const shapes = new Map<Mapping, { byHash: Map<number, Shape[]>; size: number }>();
const SHAPES_KEPT = 4096;

/** The tokens of the input being mapped: one list, reused. */
const tokens: unknown[] = [];

/** `mapping(input)`, from the plan learnt for the input's shape (learnt now if it is new). */
export function applyMapping(mapping: Mapping, input: unknown): unknown {
  let table = shapes.get(mapping);
  if (!table || table.size > SHAPES_KEPT) {
    table = { byHash: new Map(), size: 0 };
    shapes.set(mapping, table);
  }
  const values: unknown[] = [];
  tokens.length = 0;
  const hash = shapeOf(input, values, 0);
  const candidates = table.byHash.get(hash);
  let shape = candidates?.find((c) => sameTokens(c.tokens));
  if (!shape) {
    shape = { tokens: tokens.slice(), plan: learn(mapping, input, values) };
    if (candidates) candidates.push(shape);
    else table.byHash.set(hash, [shape]);
    table.size++;
  }
  return shape.plan === null ? mapping(input) : build(shape.plan, values);
}

function sameTokens(seen: readonly unknown[]): boolean {
  if (seen.length !== tokens.length) return false;
  for (let i = 0; i < seen.length; i++) if (seen[i] !== tokens[i]) return false;
  return true;
}

/** The plan of `mapping` for the shape of `input`, or `null` when the plan does not give what the mapping gives. */
function learn(mapping: Mapping, input: unknown, values: readonly unknown[]): Plan | null {
  let next = 0;
  looked = false;
  let plan: Plan | null;
  try {
    plan = planOf(mapping(mark(input, () => next++)));
  } catch (error) {
    if (!looked) throw error;
    plan = null;
  }
  if (looked) plan = null;
  return plan !== null && JSON.stringify(build(plan, values)) === JSON.stringify(mapping(input)) ? plan : null;
}

/**
 * Reads the shape of `value` (keys, array lengths, where values and absent
 * members are) into `tokens`, and its values into `values` in the same order;
 * returns `hash` carried on over the tokens read.
 */
function shapeOf(value: unknown, values: unknown[], hash: number): number {
  if (value === undefined) return token(ABSENT, hash);
  if (value === null) return token(NULL, hash);
  if (typeof value !== 'object') {
    values.push(value);
    return token(
      typeof value === 'string'
        ? STRING
        : typeof value === 'number'
          ? NUMBER
          : typeof value === 'boolean'
            ? BOOLEAN
            : OTHER,
      hash,
    );
  }
  if (Array.isArray(value)) {
    let h = token(OPEN_ARRAY, hash);
    for (let i = 0; i < value.length; i++) h = shapeOf(value[i], values, h);
    return token(CLOSE_ARRAY, h);
  }
  if (!isPlain(value)) {
    values.push(value);
    return token(OTHER, hash);
  }
  let h = token(OPEN_OBJECT, hash);
  for (const key of Object.keys(value)) h = shapeOf((value as Record<string, unknown>)[key], values, token(key, h));
  return token(CLOSE_OBJECT, h);
}

/** Appends `t` to `tokens`; `hash` carried on over it (a key counts by its length and first and last characters). */
function token(t: unknown, hash: number): number {
  tokens.push(t);
  const code =
    typeof t === 'string'
      ? 16 + t.length * 131 + (t.length > 0 ? t.charCodeAt(0) * 7 + t.charCodeAt(t.length - 1) : 0)
      : TOKEN_CODES.get(t)!;
  return (Math.imul(hash, 31) + code) | 0;
}

/** A copy of `value` whose values are markers, numbered in the order `shapeOf` lists them. */
function mark(value: unknown, next: () => number): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object') return marker(next());
  if (Array.isArray(value)) return value.map((item) => mark(item, next));
  if (!isPlain(value)) return marker(next());
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = mark((value as Record<string, unknown>)[key], next);
  return out;
}

/**
 * The plan that writes `output`, an output of the mapping for a marked input; `null` when the
 * output holds an object the plan could not write afresh for each input (a class instance).
 */
function planOf(output: unknown): Plan | null {
  const index = output !== null && typeof output === 'object' ? markers.get(output) : undefined;
  if (index !== undefined) return index;
  if (output === null || (typeof output !== 'object' && typeof output !== 'function')) return { constant: output };
  if (typeof output === 'function' || !isPlain(output)) return null;
  const list = Array.isArray(output) ? output : Object.values(output);
  const members: Plan[] = [];
  for (const item of list) {
    const plan = planOf(item);
    if (plan === null) return null;
    members.push(plan);
  }
  return Array.isArray(output) ? { items: members } : { keys: Object.keys(output), members };
}

/** What `plan` writes for the input whose values are `values`. */
function build(plan: Plan, values: readonly unknown[]): unknown {
  if (typeof plan === 'number') return values[plan];
  if ('keys' in plan) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < plan.keys.length; i++) out[plan.keys[i]!] = build(plan.members[i]!, values);
    return out;
  }
  if ('items' in plan) {
    const out = new Array<unknown>(plan.items.length);
    for (let i = 0; i < plan.items.length; i++) out[i] = build(plan.items[i]!, values);
    return out;
  }
  return plan.constant;
}

/** A plain record or an array: data the mapping is learnt over, as against a value it is handed. */
function isPlain(value: object): boolean {
  return Array.isArray(value) || isPlainRecord(value);
}

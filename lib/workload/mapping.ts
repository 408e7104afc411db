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
 * every input of that shape. A marker notices being looked at (compared,
 * converted, read from): a mapping that looks at a value keeps running itself
 * for that shape, as does one whose plan does not give, for the input it was
 * learnt from, what the mapping gives.
 */
import { setBounded } from '../util/bounded.ts';

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

/** Learnt plans per mapping, by input shape; `null` for a shape the mapping is kept for. */
const plans = new Map<Mapping, Map<string, Plan | null>>();
/** Shapes kept per mapping: enough for the variants of a kind (features, map keys) one render meets. */
const PLANS_KEPT = 512;

/** `mapping(input)`, from the plan learnt for the input's shape (learnt now if it is new). */
export function applyMapping(mapping: Mapping, input: unknown): unknown {
  const values: unknown[] = [];
  const shape = shapeOf(input, values);
  let known = plans.get(mapping);
  if (!known) plans.set(mapping, (known = new Map()));
  let plan = known.get(shape);
  if (plan === undefined) {
    plan = learn(mapping, input, values);
    setBounded(known, shape, plan, PLANS_KEPT);
  }
  return plan === null ? mapping(input) : build(plan, values);
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
 * The shape of `value` as text (keys, array lengths, where values and absent
 * members are), its values appended to `values` in the order the text names them.
 */
function shapeOf(value: unknown, values: unknown[]): string {
  if (value === undefined) return 'u';
  if (value === null) return 'z';
  if (typeof value !== 'object') {
    values.push(value);
    return typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : typeof value === 'boolean' ? 'b' : 'o';
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += shapeOf(value[i], values);
    return `${text}]`;
  }
  if (!isPlain(value)) {
    values.push(value);
    return 'c';
  }
  let text = '{';
  for (const key of Object.keys(value)) text += `${key.length}:${key}${shapeOf((value as Record<string, unknown>)[key], values)}`;
  return `${text}}`;
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

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/**
 * Unknown fields: the schemas of `kubernetes-models` are compiled validators
 * that check each field their schema declares and ignore the rest, so an
 * object is validated through a proxy that records every field the validator
 * looks up. A field of an object is unknown when the validator looked up
 * fields of that object (it has a declared shape) but never this one. Objects
 * whose schema is free-form are never looked into, so they are left alone.
 */

/** A validator that reads `this`, as the models' `validate` methods do. */
export type ThisValidator = (this: unknown) => void;

interface Tracked {
  readonly path: string;
  readonly target: Record<string, unknown> | unknown[];
  readonly read: Set<PropertyKey>;
}

/**
 * Paths (`/spec/template/spec/foo`) of the fields of `object` that `validate`
 * does not know. `validate` errors are ignored here: `schemaErrors` reports them.
 */
export function unknownFields(validate: ThisValidator, object: unknown): string[] {
  const tracked: Tracked[] = [];
  const proxies = new WeakMap<object, unknown>();
  const wrap = (value: unknown, path: string): unknown => {
    if (!value || typeof value !== 'object') return value;
    const known = proxies.get(value);
    if (known) return known;
    const entry: Tracked = { path, target: value as Record<string, unknown>, read: new Set() };
    tracked.push(entry);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        entry.read.add(key);
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof key === 'string' && Object.hasOwn(target, key) ? wrap(v, `${path}/${escapePointer(key)}`) : v;
      },
      ownKeys(target) {
        // A validator that enumerates an object's keys (a map of labels, patternProperties) knows them all.
        for (const key of Reflect.ownKeys(target)) entry.read.add(key);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  try {
    validate.call(wrap(object, ''));
  } catch {
    // Schema errors are reported by schemaErrors; this pass only looks for fields nobody read.
  }
  const out: string[] = [];
  for (const { path, target, read } of tracked) {
    if (Array.isArray(target) || read.size === 0) continue;
    if (![...read].some((k) => typeof k === 'string' && !Object.hasOwn(target, k))) {
      // Every read field exists: a declared shape shows itself by looking up fields the object lacks,
      // or by reading all of them; an object whose keys were all read is fully known.
      if (Object.keys(target).every((k) => read.has(k))) continue;
    }
    for (const key of Object.keys(target)) if (!read.has(key)) out.push(`${path}/${escapePointer(key)}`);
  }
  return out.sort();
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

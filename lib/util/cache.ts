/**
 * The render cache (`.render-cache/`, never committed): what lets `synth`
 * re-render only what changed. Every entry is keyed by a content hash of its
 * input, and the whole cache by a hash of the platform code, so a change to
 * `lib/` (or the lockfile) invalidates everything and a stale entry can never
 * be served. Renders are kept by `RenderStore` (`lib/render/store.ts`); loaded
 * specs (`lib/spec/project.ts`) and the fleet page's facts by a `KeyedCache` here.
 */
import { hash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmp } from './compare.ts';
import { writeAtomic } from './fs.ts';

/** Folder of the cache, relative to the repository root. */
export const CACHE_DIR = '.render-cache';

/** SHA-1 of a string, hex. */
export function hashText(text: string): string {
  return hash('sha1', text);
}

/** Hash of the platform code: every file under `lib/`, plus the lockfile and package.json. */
export { codeHash } from './build.mjs';

/** One stored entry: the value and a checksum of its key and value. */
interface StoredEntry<T> {
  readonly value: T;
  readonly sum: string;
}

/** Checksum of an entry: a hand-edited or torn value no longer matches it. */
function entrySum(key: string, value: unknown): string {
  return hashText(`${key}\0${JSON.stringify(value)}`);
}

/**
 * A persisted map from input hash to a value, valid for one code hash. Every entry carries a
 * checksum of its key and value; an entry that fails it (edited by hand, written by an older
 * version, torn) is ignored, so its value is computed again, and never an error.
 */
export class KeyedCache<T> {
  private readonly entries = new Map<string, T>();
  private readonly used = new Set<string>();
  private dirty = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly code: string,
  ) {}

  /** Opens `name` under the cache folder of `root`; `enabled: false` gives an empty cache that is never written. */
  static open<T>(root: string, name: string, code: string, enabled = true): KeyedCache<T> {
    const cache = new KeyedCache<T>(enabled ? join(root, CACHE_DIR, `${name}.json`) : undefined, code);
    if (!cache.file || !existsSync(cache.file)) return cache;
    try {
      const text = readFileSync(cache.file, 'utf8');
      const data = JSON.parse(text) as { code: string; entries: Record<string, StoredEntry<T>> };
      if (data.code !== code || data.entries === null || typeof data.entries !== 'object') return cache;
      for (const [k, entry] of Object.entries(data.entries)) {
        const valid = entry !== null && typeof entry === 'object' && 'value' in entry;
        if (valid && entry.sum === entrySum(k, entry.value)) cache.entries.set(k, entry.value);
        else cache.dirty = true;
      }
    } catch {
      // An unreadable cache is an empty one.
    }
    return cache;
  }

  /** The value for `key`, if cached. */
  get(key: string): T | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) this.used.add(key);
    return value;
  }

  /** Stores `value` for `key`. */
  set(key: string, value: T): void {
    this.entries.set(key, value);
    this.used.add(key);
    this.dirty = true;
  }

  /** Writes the entries used in this run (dropping the rest) when anything changed. */
  save(): void {
    if (!this.file) return;
    if (!this.dirty && this.used.size === this.entries.size) return;
    const entries: Record<string, StoredEntry<T>> = {};
    for (const key of [...this.used].sort(cmp)) {
      const value = this.entries.get(key)!;
      entries[key] = { value, sum: entrySum(key, value) };
    }
    writeAtomic(this.file, JSON.stringify({ code: this.code, entries }));
  }
}

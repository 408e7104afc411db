/**
 * The render cache (`.render-cache/`, never committed): what lets `synth`
 * re-render only what changed. Every entry is keyed by a content hash of its
 * input, and the whole cache by a hash of the platform code, so a change to
 * `lib/` (or the lockfile) invalidates everything and a stale entry can never
 * be served.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmp } from '../util/compare.ts';

/** Folder of the cache, relative to the repository root. */
export const CACHE_DIR = '.render-cache';

/** SHA-1 of a string, hex. */
export function hashText(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Hash of the platform code: every file under `lib/`, plus the lockfile and package.json. */
export function codeHash(root: string): string {
  const hash = createHash('sha1');
  const files = readdirSync(join(root, 'lib'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort(cmp);
  for (const f of [...files, join(root, 'package-lock.json'), join(root, 'package.json')]) {
    if (!existsSync(f)) continue;
    hash.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

/** A persisted map from input hash to a value, valid for one code hash. */
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
      const data = JSON.parse(readFileSync(cache.file, 'utf8')) as { code: string; entries: Record<string, T> };
      if (data.code === code) for (const [k, v] of Object.entries(data.entries)) cache.entries.set(k, v);
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
    const entries: Record<string, T> = {};
    for (const key of [...this.used].sort(cmp)) entries[key] = this.entries.get(key)!;
    mkdirSync(join(this.file, '..'), { recursive: true });
    const temp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(temp, JSON.stringify({ code: this.code, entries }));
    renameSync(temp, this.file);
  }
}

/**
 * A cache of one file per entry, under a folder per code hash: a run reads the
 * entries it needs and writes only the new ones, so a one-app change costs a
 * few small writes however large the repository.
 */
export class EntryCache<T> {
  private readonly written = new Set<string>();

  private constructor(private readonly dir: string | undefined) {}

  /** Opens cache `name` for code hash `code`; folders of other code hashes are removed. */
  static open<T>(root: string, name: string, code: string, enabled = true): EntryCache<T> {
    if (!enabled) return new EntryCache<T>(undefined);
    const base = join(root, CACHE_DIR, name);
    if (existsSync(base)) {
      for (const other of readdirSync(base)) if (other !== code) rmSync(join(base, other), { recursive: true, force: true });
    }
    return new EntryCache<T>(join(base, code));
  }

  /** The value for `key`, if cached. */
  get(key: string): T | undefined {
    if (!this.dir) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Stores `value` for `key` (written at once, atomically). */
  set(key: string, value: T): void {
    if (!this.dir || this.written.has(key)) return;
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${key}.json`);
    const temp = `${file}.tmp-${process.pid}`;
    writeFileSync(temp, JSON.stringify(value));
    renameSync(temp, file);
    this.written.add(key);
  }

  /** Nothing to flush: entries are written as they are set. */
  save(): void {}
}

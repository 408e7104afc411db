/**
 * The render store (`.render-cache/renders/<code hash>/`, never committed):
 * every app × environment render, keyed by a hash of its input, for the
 * platform code of one code hash. A change to `lib/` (or the lockfile) starts
 * a new store, so a stale render is never served.
 *
 * What the rest of a run needs of a render (its path, object ids, violations,
 * what the cross-environment rules read, the hash of its bytes) lives in one
 * index file; the bytes live in a file per render and are read only when a
 * manifest must be written or compared. A run with one changed app then reads
 * one index and writes a few small files, however large the repository.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedAppFile } from './batch.ts';
import { CACHE_DIR } from '../util/cache.ts';
import { writeAtomic } from '../util/fs.ts';

/** A render without its bytes. */
export type RenderMeta = Omit<RenderedAppFile, 'content'>;

/** Name of the index file in a store folder. */
const INDEX = 'index.json';

/** Renders of one platform code hash. */
export class RenderStore {
  /** A render, or the files of a group rendered together (an environment's platform files). */
  private readonly index = new Map<string, RenderMeta | RenderMeta[]>();
  private readonly used = new Set<string>();
  private changed = false;

  private constructor(private readonly dir: string | undefined) {}

  /**
   * Opens the store of code hash `code` under `root`; stores of other code hashes are removed. `enabled: false` gives
   * an empty store that keeps nothing.
   */
  static open(root: string, code: string, enabled = true): RenderStore {
    if (!enabled) return new RenderStore(undefined);
    const base = join(root, CACHE_DIR, 'renders');
    if (existsSync(base)) {
      for (const other of readdirSync(base))
        if (other !== code) rmSync(join(base, other), { recursive: true, force: true });
    }
    const store = new RenderStore(join(base, code));
    try {
      const data = JSON.parse(readFileSync(join(base, code, INDEX), 'utf8')) as Record<
        string,
        RenderMeta | RenderMeta[]
      >;
      for (const [key, meta] of Object.entries(data)) store.index.set(key, meta);
    } catch {
      // No index, or an unreadable one: an empty store.
    }
    return store;
  }

  /** Whether the store holds no render. */
  isEmpty(): boolean {
    return this.index.size === 0;
  }

  /** The render of input `key`, without its bytes, if stored. */
  meta(key: string): RenderMeta | undefined {
    const meta = this.index.get(key);
    if (!meta || Array.isArray(meta)) return undefined;
    this.used.add(key);
    return meta;
  }

  /** The files of group `key`, without their bytes, if stored. */
  group(key: string): RenderMeta[] | undefined {
    const metas = this.index.get(key);
    if (!Array.isArray(metas)) return undefined;
    this.used.add(key);
    return metas;
  }

  /** The bytes of the render of `key` (of its `index`-th file, for a group); throws when the store lost them. */
  content(key: string, index?: number): string {
    if (!this.dir) throw new Error(`render ${key} is not stored`);
    return readFileSync(join(this.dir, bytesFile(key, index)), 'utf8');
  }

  /** Stores the render of `key`: its bytes at once (atomically), its index entry on `save`. */
  put(key: string, file: RenderedAppFile): void {
    this.used.add(key);
    if (!this.dir || this.index.has(key)) return;
    this.writeBytes(bytesFile(key), file.content);
    const { content: _content, ...meta } = file;
    this.index.set(key, meta);
    this.changed = true;
  }

  /** Stores the files of group `key`. */
  putGroup(key: string, files: readonly RenderedAppFile[]): void {
    this.used.add(key);
    if (!this.dir || this.index.has(key)) return;
    for (const [i, f] of files.entries()) this.writeBytes(bytesFile(key, i), f.content);
    this.index.set(
      key,
      files.map(({ content: _content, ...meta }) => meta),
    );
    this.changed = true;
  }

  private writeBytes(name: string, content: string): void {
    writeAtomic(join(this.dir!, name), content);
  }

  /**
   * Writes the index when it changed. With `prune` (a run that looked up
   * every render it needs), it keeps only the renders used in this run and
   * removes the bytes of the others; without it (a run stopped early, by a
   * broken spec say), it adds what was stored and removes nothing.
   */
  save({ prune }: { readonly prune: boolean }): void {
    if (!this.dir) return;
    const keep = prune ? [...this.used] : [...this.index.keys()];
    if (!this.changed && keep.length === this.index.size) return;
    const kept: Record<string, RenderMeta | RenderMeta[]> = {};
    for (const key of keep.sort()) kept[key] = this.index.get(key)!;
    writeAtomic(join(this.dir, INDEX), JSON.stringify(kept));
    if (!prune) return;
    // Every file the index does not name goes: the bytes of renders no longer used, and those a run
    // that stopped between storing them and writing the index left behind.
    const named = new Set([INDEX]);
    for (const [key, entry] of Object.entries(kept)) {
      if (Array.isArray(entry)) for (let i = 0; i < entry.length; i++) named.add(bytesFile(key, i));
      else named.add(bytesFile(key));
    }
    for (const name of readdirSync(this.dir)) if (!named.has(name)) rmSync(join(this.dir, name), { force: true });
  }
}

/** Name of the bytes file of render `key`, or of the `index`-th file of group `key`. */
function bytesFile(key: string, index?: number): string {
  return index === undefined ? `${key}.yaml` : `${key}-${index}.yaml`;
}

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RenderStore } from '../../lib/render/store.ts';
import type { RenderedAppFile } from '../../lib/render/batch.ts';
import { tempDir } from '../fixture.ts';

const root = (): string => tempDir('platform-store-');

const render = (path: string, content: string): RenderedAppFile => ({
  path,
  env: path.split('/')[0]!,
  content,
  hash: `h-${content}`,
  objectCount: 1,
  ids: [`v1/ConfigMap/claims/${path}`],
  violations: [],
  crossObjects: [],
});

describe('RenderStore', () => {
  it('gives back in a later run what a run stored: metadata from the index, bytes on demand', () => {
    const r = root();
    const first = RenderStore.open(r, 'code-1');
    expect(first.isEmpty()).toBe(true);
    first.put('k1', render('dev/apps/a.yaml', 'a\n'));
    first.putGroup('g1', [render('dev/platform/x.yaml', 'x\n'), render('dev/platform/y.yaml', 'y\n')]);
    first.save({ prune: true });

    const second = RenderStore.open(r, 'code-1');
    expect(second.meta('k1')).toEqual({
      path: 'dev/apps/a.yaml',
      env: 'dev',
      hash: 'h-a\n',
      objectCount: 1,
      ids: ['v1/ConfigMap/claims/dev/apps/a.yaml'],
      violations: [],
      crossObjects: [],
    });
    expect(second.content('k1')).toBe('a\n');
    expect(second.group('g1')!.map((m) => m.path)).toEqual(['dev/platform/x.yaml', 'dev/platform/y.yaml']);
    expect(second.content('g1', 1)).toBe('y\n');
    // A render and a group are not each other.
    expect([second.meta('g1'), second.group('k1')]).toEqual([undefined, undefined]);
  });

  it('drops what a run did not use, bytes included', () => {
    const r = root();
    const first = RenderStore.open(r, 'code-1');
    first.put('old', render('dev/apps/old.yaml', 'old\n'));
    first.put('kept', render('dev/apps/kept.yaml', 'kept\n'));
    first.save({ prune: true });
    const second = RenderStore.open(r, 'code-1');
    second.meta('kept');
    second.put('new', render('dev/apps/new.yaml', 'new\n'));
    second.save({ prune: true });
    const third = RenderStore.open(r, 'code-1');
    expect([third.meta('old'), third.meta('kept')?.path, third.meta('new')?.path]).toEqual([
      undefined,
      'dev/apps/kept.yaml',
      'dev/apps/new.yaml',
    ]);
    expect(readdirSync(join(r, '.render-cache', 'renders', 'code-1')).sort()).toEqual([
      'index.json',
      'kept.yaml',
      'new.yaml',
    ]);
  });

  it('removes bytes no index names, left by a run that stopped before it wrote the index', () => {
    const r = root();
    const first = RenderStore.open(r, 'code-1');
    first.put('a', render('dev/apps/a.yaml', 'a\n'));
    first.put('lost', render('dev/apps/lost.yaml', 'lost\n'));
    // The run stops here: the bytes are stored, the index is not written.
    const second = RenderStore.open(r, 'code-1');
    second.put('a', render('dev/apps/a.yaml', 'a\n'));
    second.save({ prune: true });
    expect(readdirSync(join(r, '.render-cache', 'renders', 'code-1')).sort()).toEqual(['a.yaml', 'index.json']);
  });

  it('keeps every render, and adds the new ones, when a run stopped before it looked all of them up', () => {
    const r = root();
    const first = RenderStore.open(r, 'code-1');
    first.put('a', render('dev/apps/a.yaml', 'a\n'));
    first.put('b', render('dev/apps/b.yaml', 'b\n'));
    first.save({ prune: true });
    const stopped = RenderStore.open(r, 'code-1');
    stopped.meta('a');
    stopped.put('c', render('dev/apps/c.yaml', 'c\n'));
    stopped.save({ prune: false });
    const third = RenderStore.open(r, 'code-1');
    expect(['a', 'b', 'c'].map((k) => third.meta(k)?.path)).toEqual([
      'dev/apps/a.yaml',
      'dev/apps/b.yaml',
      'dev/apps/c.yaml',
    ]);
    expect(third.content('b')).toBe('b\n');
  });

  it('serves nothing to other platform code, and removes the store of the code before', () => {
    const r = root();
    const first = RenderStore.open(r, 'code-1');
    first.put('k1', render('dev/apps/a.yaml', 'a\n'));
    first.save({ prune: true });
    const other = RenderStore.open(r, 'code-2');
    expect([other.isEmpty(), other.meta('k1')]).toEqual([true, undefined]);
    expect(existsSync(join(r, '.render-cache', 'renders', 'code-1'))).toBe(false);
  });

  it('keeps nothing when disabled', () => {
    const r = root();
    const store = RenderStore.open(r, 'code-1', false);
    store.put('k1', render('dev/apps/a.yaml', 'a\n'));
    store.save({ prune: true });
    expect(existsSync(join(r, '.render-cache'))).toBe(false);
  });
});

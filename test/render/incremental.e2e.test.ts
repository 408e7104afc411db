import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synth } from '../../lib/render/synth.ts';
import { renderApps } from '../../lib/render/engine.ts';
import { RenderPool } from '../../lib/render/pool.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { appSource, digestOf, makeRepo, service, snapshotTree } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function repo() {
  const apps: Record<string, unknown> = {};
  for (const name of ['claims-api', 'quote-api', 'policy-admin', 'payments-gateway'])
    apps[name] = service(name, { replicas: 2 });
  const r = makeRepo({ apps });
  cleanups.push(r.cleanup);
  return r.root;
}

describe('incremental render', () => {
  it('re-renders only the changed app, and gives the same bytes as a full render', async () => {
    const root = repo();
    expect((await synth(root)).rendered).toBe(24);
    writeFileSync(join(root, 'apps', 'quote-api.ts'), appSource(service('quote-api', { replicas: 5 })));
    const incremental = await synth(root);
    expect([incremental.rendered, incremental.reused]).toEqual([6, 18]);
    expect(incremental.diff.changed.filter((f) => f.includes('/apps/')).sort()).toEqual(
      ['dev', 'dr', 'prod', 'sit', 'staging', 'uat'].map((e) => `${e}/apps/quote-api.yaml`),
    );
    const afterIncremental = snapshotTree(join(root, 'manifests'));

    rmSync(join(root, 'manifests'), { recursive: true });
    rmSync(join(root, '.render-cache'), { recursive: true });
    const full = await synth(root, { cache: false });
    expect(full.rendered).toBe(24);
    expect(snapshotTree(join(root, 'manifests'))).toEqual(afterIncremental);
  });

  it("re-renders only one environment's apps after a change to its versions file", async () => {
    const root = repo();
    await synth(root);
    const file = join(root, 'environments', 'uat', 'versions.json');
    const pins = JSON.parse(readFileSync(file, 'utf8'));
    pins['claims-api'] = { tag: '1.1.0', digest: digestOf('claims-api:1.1.0') };
    writeFileSync(file, JSON.stringify(pins));
    const result = await synth(root);
    expect([result.rendered, result.reused]).toEqual([1, 23]);
    expect(result.diff.changed).toEqual(['uat/apps/claims-api.yaml']);
  });

  it('keeps the stored renders through a run that stops on a broken spec', async () => {
    // GIVEN a repository rendered once
    const root = repo();
    await synth(root);
    // WHEN one app's spec breaks THEN the run fails, and once the spec is mended nothing renders again
    const file = join(root, 'apps', 'quote-api.ts');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('"team": "claims"', '"team": 42'));
    await expect(synth(root)).rejects.toThrow(/apps\/quote-api\.ts: 'team'/);
    writeFileSync(file, good);
    expect(await synth(root)).toMatchObject({ rendered: 0, reused: 24 });
  });

  it('refuses to run while another synth holds the repository, and touches nothing', async () => {
    const root = repo();
    await synth(root);
    const before = snapshotTree(join(root, 'manifests'));
    writeFileSync(join(root, 'apps', 'quote-api.ts'), appSource(service('quote-api', { replicas: 5 })));
    // The parent of this test process stands for a synth still running.
    writeFileSync(join(root, '.render-cache', 'synth.lock'), String(process.ppid));
    await expect(synth(root)).rejects.toThrow(`manifests/ (with .render-cache/) is in use by process ${process.ppid}`);
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('never writes bytes changed in the render store: it renders them again', async () => {
    // GIVEN a repository rendered once, whose manifests/ is then removed, and one stored render changed by hand
    const root = repo();
    await synth(root);
    const rendered = snapshotTree(join(root, 'manifests'));
    rmSync(join(root, 'manifests'), { recursive: true });
    const store = join(root, '.render-cache', 'renders');
    const [code] = readdirSync(store);
    const stored = readdirSync(join(store, code!)).find((f) => f !== 'index.json')!;
    writeFileSync(join(store, code!, stored), 'kind: Tampered\n');
    // WHEN synth runs THEN the changed bytes are ignored, everything is rendered again, and the tree is what it was
    expect((await synth(root)).diff.added).toHaveLength(48);
    expect(snapshotTree(join(root, 'manifests'))).toEqual(rendered);
    expect(JSON.stringify(snapshotTree(join(root, 'manifests')))).not.toContain('Tampered');
  });

  it('serves nothing from a cache made by other platform code', async () => {
    const root = repo();
    await synth(root);
    const dir = join(root, '.render-cache', 'renders');
    const [code] = readdirSync(dir);
    renameSync(join(dir, code!), join(dir, 'made-by-other-code'));
    expect((await synth(root)).rendered).toBe(24);
    expect(readdirSync(dir)).toEqual([code]);
  });
});

describe('parallel render', () => {
  it('gives the same files with worker threads as in one thread', async () => {
    // GIVEN renders enough for several batches, and workers that are ready before the main thread starts
    const root = repo();
    const resolved = resolveProject(await loadProject(root, { cache: false }));
    const apps = Array.from({ length: 5 }, () => resolved).flat();
    const pool = RenderPool.start(2);
    onTestFinished(() => pool.close());
    await Promise.all(pool.ready);
    // WHEN they run in one thread and shared with the workers
    const serial = await renderApps(apps, { workers: 0 });
    const parallel = await renderApps(apps, { pool });
    // THEN the files are the same, in input order
    expect(parallel).toEqual(serial);
    expect(parallel.map((f) => f.path)).toEqual(apps.map((a) => `${a.environment.name}/apps/${a.name}.yaml`));
  });

  it('reports a render that throws in a worker with the message the main thread gives', async () => {
    const root = repo();
    const resolved = resolveProject(await loadProject(root, { cache: false }));
    // An app broken past the spec checks: no ports list at all.
    const broken = { ...resolved[0]!, ports: undefined } as unknown as (typeof resolved)[number];
    const serial = await renderApps([broken], { workers: 0 }).catch((e: Error) => e.message);
    expect(serial).toMatch(/^rendering apps\/claims-api\.ts for dev failed: Cannot read properties of undefined/);
    const pool = RenderPool.start(1);
    onTestFinished(() => pool.close());
    const [worker] = await Promise.all(pool.ready);
    const reply = await new Promise((resolve) => {
      worker!.once('message', resolve);
      worker!.postMessage({ id: 7, apps: [broken] });
    });
    expect(reply).toEqual({ id: 7, error: serial });
  });

  it('renders on the main thread, with a warning, when a worker stopped while it waited for work', async () => {
    // GIVEN a pool whose one worker was ready, then stopped before any render
    const root = repo();
    const resolved = resolveProject(await loadProject(root, { cache: false }));
    const apps = Array.from({ length: 5 }, () => resolved).flat();
    const pool = RenderPool.start(1);
    onTestFinished(() => pool.close());
    const [worker] = await Promise.all(pool.ready);
    await worker!.terminate();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    // WHEN the renders run with that pool THEN they all finish, as in one thread
    expect(await renderApps(apps, { pool })).toEqual(await renderApps(apps, { workers: 0 }));
    await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual([
      'a render worker cannot take work (it stopped while it waited); rendering on the main thread',
    ]);
  });
});

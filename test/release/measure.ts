/**
 * Measures the release order of a one-app change in a generated repository
 * (not part of the test suite; timings are never asserted):
 *
 *   npx tsx test/release/measure.ts [apps=1000]
 *
 * Renders N apps × 6 environments with the real synth, commits, bumps one
 * app's version in prod and dr, re-renders, commits, then times
 * `buildReleaseOrder` in process and the `release-order` CLI end to end.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildReleaseOrder } from '../../lib/release/order.ts';
import { REPO_ROOT, service } from '../fixture.ts';
import { History } from './history.ts';

const count = Number(process.argv[2] ?? 1000);
const apps = Object.fromEntries(
  Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(4, '0')}`).map((name) => [
    name,
    service(name, { replicas: 2 }),
  ]),
);

let t = performance.now();
const h = await History.create(apps);
console.log(
  `generated and rendered ${count} apps × 6 environments in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);
try {
  const base = h.sha('HEAD');
  h.pin('prod', 'svc-0042', '1.0.1');
  h.pin('dr', 'svc-0042', '1.0.1');
  await h.synth();
  const head = h.commit('Release svc-0042 1.0.1 to prod and dr');

  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    const order = await buildReleaseOrder(h.root, base, head);
    runs.push(performance.now() - t);
    if (i === 0) console.log(`changes: ${order.changes.map((c) => `${c.env}/${c.app}/${c.kind}`).join(', ')}`);
  }
  console.log(
    `buildReleaseOrder, in process: first ${runs[0]!.toFixed(0)} ms, then ${runs
      .slice(1)
      .map((r) => r.toFixed(0))
      .join(' / ')} ms`,
  );

  t = performance.now();
  const cli = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), 'release-order', '--base', base, '--head', head, '--format', 'json'],
    {
      cwd: h.root,
      env: { ...process.env, PLATFORM_ROOT: h.root },
      encoding: 'utf8',
    },
  );
  console.log(
    `release-order CLI, end to end (process start included): ${(performance.now() - t).toFixed(0)} ms, exit ${cli.status}`,
  );
} finally {
  h.cleanup();
}

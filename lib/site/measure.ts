/**
 * `site --measure N`: the fleet page's figures on a generated repository of
 * N apps (the bench generator), with some release history: the build's time
 * (the command as a user runs it, and the build inside it), the page's size,
 * and the latency of a search keystroke in Chromium.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeBenchRepo } from '../bench/bench.ts';
import { readPins, writePins } from '../promote/versions.ts';
import { synth } from '../render/synth.ts';
import { median } from './dora.ts';

/** The figures of one measurement. */
export interface SiteMeasurement {
  readonly apps: number;
  readonly releaseCommits: number;
  /** Wall time of `npm run site` as a command (Node's start included): the first run, with an empty cache, ms. */
  readonly coldCommandMs: number;
  /** Time of the build inside that first command, ms. */
  readonly coldBuildMs: number;
  /** Wall time of the command on the runs after the first (each commit's releases cached), median, ms. */
  readonly commandMs: number;
  /** Time of the build inside those commands, median, ms. */
  readonly buildMs: number;
  readonly runs: number;
  readonly bytes: number;
  /** Search keystroke → painted update in Chromium, ms; absent when Chromium is not installed. */
  readonly keystroke?: { readonly medianMs: number; readonly maxMs: number; readonly keys: number };
}

/** Runs git in `root` with a fixed identity and the commit date `date`. */
function git(root: string, args: readonly string[], date: string): void {
  execFileSync('git', args, {
    cwd: root,
    stdio: 'pipe',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@insure.example',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@insure.example',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
}

/** Measures the page for `n` generated apps; `platformRoot` is this checkout; `say` hears progress. */
export async function measureSite(
  platformRoot: string,
  n: number,
  runs = 4,
  say: (line: string) => void = () => {},
): Promise<SiteMeasurement> {
  let root = '';
  try {
    say(`generating ${n} apps`);
    root = await makeBenchRepo(platformRoot, n, (r) => (root = r));
    say('rendering');
    await synth(root);
    const start = Date.UTC(2026, 2, 2, 9);
    const at = (hours: number) => new Date(start + hours * 3_600_000).toISOString();
    git(root, ['init', '-q', '-b', 'main'], at(0));
    git(root, ['add', '-A'], at(0));
    git(root, ['commit', '-q', '-m', 'generated apps'], at(0));
    // A release history: each week, a tenth of the apps get a new build in the first environment.
    const env = 'dev';
    const weeks = 4;
    for (let w = 1; w <= weeks; w++) {
      say(`release history: week ${w} of ${weeks}`);
      const pins = readPins(root, env);
      const names = Object.keys(pins).filter((_, i) => i % 10 === w % 10);
      for (const app of names) pins[app] = { tag: `2.${w}.0`, digest: `sha256:${String(w).repeat(64).slice(0, 64)}` };
      writePins(root, env, pins);
      await synth(root);
      git(root, ['add', '-A'], at(w * 168));
      git(root, ['commit', '-q', '-m', `Release ${names.length} apps to ${env} (#${100 + w})`], at(w * 168));
    }
    const now = at(weeks * 168 + 24);
    if (runs < 2) throw new Error(`runs (${runs}): at least 2, one with an empty cache and one with it filled`);
    const commandMs: number[] = [];
    const buildMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      say(`building the page: run ${i + 1} of ${runs}`);
      const t = performance.now();
      const out = execFileSync(
        process.execPath,
        [join(platformRoot, 'lib', 'cli', 'launch.mjs'), 'site', '--out', 'site', '--now', now],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, PLATFORM_ROOT: root },
        },
      );
      commandMs.push(performance.now() - t);
      const m = / in ([\d.]+) s$/m.exec(out);
      if (m) buildMs.push(Number(m[1]) * 1000);
    }
    const file = join(root, 'site', 'index.html');
    const bytes = readFileSync(file).length;
    let keystroke: SiteMeasurement['keystroke'];
    const { CHROMIUM, launchChromium, searchKeystrokeLatencies } = await import('./chromium.ts');
    const chromiumPath = process.env.CHROMIUM_PATH ?? CHROMIUM;
    try {
      readFileSync(chromiumPath, { flag: 'r' }).subarray(0, 1);
      say('typing in Chromium');
      const browser = await launchChromium(chromiumPath);
      try {
        await browser.page.goto(`file://${file}`);
        const latencies = [
          ...(await searchKeystrokeLatencies(browser.page, 'svc-00')),
          ...(await searchKeystrokeLatencies(browser.page, 'claims-svc-01')),
        ];
        keystroke = {
          medianMs: Math.round(median(latencies)! * 10) / 10,
          maxMs: Math.round(Math.max(...latencies) * 10) / 10,
          keys: latencies.length,
        };
      } finally {
        await browser.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return {
      apps: n,
      releaseCommits: weeks + 1,
      coldCommandMs: Math.round(commandMs[0]!),
      coldBuildMs: Math.round(buildMs[0] ?? 0),
      commandMs: Math.round(median(commandMs.slice(1))!),
      buildMs: Math.round(median(buildMs.slice(1)) ?? 0),
      runs,
      bytes,
      ...(keystroke ? { keystroke } : {}),
    };
  } finally {
    if (root) rmSync(root, { recursive: true, force: true });
  }
}

/** The measurement as text. */
export function formatMeasurement(m: SiteMeasurement): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const k = m.keystroke;
  return [
    `fleet page, ${m.apps} generated apps x 6 environments, ${m.releaseCommits} release commits:`,
    `  first build, empty cache (inside the command): ${s(m.coldBuildMs)}; the command, wall: ${s(m.coldCommandMs)}`,
    `  build, releases cached, median of ${m.runs - 1} (inside): ${s(m.buildMs)} (budget 2 s);` +
      ` the command, wall: ${s(m.commandMs)}`,
    `  index.html with its data: ${(m.bytes / 1024 / 1024).toFixed(2)} MB (budget 5 MB)`,
    k
      ? `  search keystroke -> painted matrix, Chromium: median ${k.medianMs} ms, max ${k.maxMs} ms` +
        ` over ${k.keys} keys (budget 100 ms)`
      : '  search keystroke: not measured (Chromium is not installed)',
  ].join('\n');
}

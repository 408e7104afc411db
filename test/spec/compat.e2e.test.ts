import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { environmentsAt } from '../../lib/release/revision.ts';
import { REPO_ROOT } from '../fixture.ts';
import { readBlobs } from '../../lib/git/git.ts';
import { loadSpecTexts } from '../../lib/spec/bundle.ts';
import { upgradeApp } from '../../lib/spec/migrations.ts';
import { ProblemSink } from '../../lib/spec/problems.ts';
import { isPureSpec, loadProject } from '../../lib/spec/project.ts';
import { appSchema, checkShape } from '../../lib/spec/schema.ts';
import { checkApp } from '../../lib/spec/rules.ts';
import type { AppSpec } from '../../lib/spec/app.ts';

describe('the environment schema as a compatibility contract', () => {
  it("loads the environments of this repository's first commit, with a deprecation warning for the older form", async () => {
    const first = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')[0]!;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const environments = await environmentsAt(REPO_ROOT, first);
      expect(environments.map((e) => e.spec.name)).toEqual(['dev', 'sit', 'uat', 'staging', 'prod', 'dr']);
      const prod = environments.find((e) => e.spec.name === 'prod')!;
      expect(prod.spec.approvals.required).toBe(2);
      expect(prod.spec.images.requireDigest).toBe(true);
    } finally {
      await new Promise((r) => setImmediate(r));
      process.off('warning', onWarning);
    }
    expect(warnings.some((w) => w.startsWith("environments/prod/environment.ts has no 'observability' section"))).toBe(
      true,
    );
  });
});

/** Every spec text of `apps/` that git holds in this repository's history: blob → path. */
function historicalSpecs(): Map<string, string> {
  const log = execFileSync('git', ['log', '--all', '--raw', '--no-abbrev', '--format=', '--', 'apps/'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const out = new Map<string, string>();
  for (const line of log.split('\n')) {
    const m = /^:\S+ \S+ \S+ ([0-9a-f]{40}) \w+\t(apps\/[^/]+\.ts)$/.exec(line);
    if (m && !/^0+$/.test(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Loads and checks spec texts as the render loads a pinned spec; the problems of each, by blob. */
async function loadEvery(blobs: readonly string[]): Promise<Map<string, string[]>> {
  const texts = readBlobs(REPO_ROOT, blobs);
  const loaded = await loadSpecTexts(
    REPO_ROOT,
    blobs.map((b) => texts.get(b)!),
  );
  const problems = new Map<string, string[]>();
  blobs.forEach((blob, i) => {
    const result = loaded[i]!;
    const sink = new ProblemSink();
    if ('error' in result) sink.addFile(blob, result.error, '');
    else if (!isPureSpec(texts.get(blob)!)) sink.addFile(blob, 'is not pure', '');
    else {
      const spec = checkShape(
        appSchema,
        upgradeApp(result.value, blob),
        `apps/${(result.value as AppSpec).name}.ts`,
        sink,
      );
      if (spec) checkApp(spec, `apps/${spec.name}.ts`, sink);
    }
    problems.set(
      blob,
      sink.problems.map((p) => `${p.field ?? ''} ${p.message}`),
    );
  });
  return problems;
}

describe('the app spec schema as a compatibility contract', () => {
  it('loads every spec pinned in every environment of this repository', async () => {
    const environments = (await loadProject(REPO_ROOT, { cache: false })).environments;
    const pinned = environments.flatMap((env) =>
      Object.entries(env.versions).flatMap(([app, pin]) =>
        pin.spec ? [{ env: env.spec.name, app, spec: pin.spec }] : [],
      ),
    );
    // Every environment but the chain's entry pins the spec it runs.
    expect(new Set(pinned.map((p) => p.env))).toEqual(new Set(['sit', 'uat', 'staging', 'prod', 'dr']));
    const problems = await loadEvery([...new Set(pinned.map((p) => p.spec))]);
    expect([...problems].filter(([, list]) => list.length > 0)).toEqual([]);
  });

  it("loads every app spec text in this repository's history with today's spec module, so any can be pinned", async () => {
    const specs = historicalSpecs();
    expect(specs.size).toBeGreaterThan(13);
    const problems = await loadEvery([...specs.keys()]);
    const failing = [...problems]
      .filter(([, list]) => list.length > 0)
      .map(([blob, list]) => [specs.get(blob), blob, list]);
    expect(failing).toEqual([]);
  });
});

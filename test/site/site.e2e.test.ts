import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { buildSite } from '../../lib/site/build.ts';
import { freezeCalendar } from '../../lib/site/calendar.ts';
import { collectSite } from '../../lib/site/collect.ts';
import type { SiteData } from '../../lib/site/model.ts';
import { serveFolder } from '../../lib/site/serve.ts';
import { fleetPageWorkflow } from '../../lib/site/workflow.ts';
import { lintWorkflow, parserErrors, renderWorkflow } from '../../lib/workflows/generate.ts';
import type { FreezeWindow } from '../../lib/spec/environment.ts';
import { recordRelease } from '../../lib/release/record.ts';
import { MONDAY_NOON, SATURDAY, scenario, type Scenario } from './scenario.ts';

/** Runs the CLI, capturing what it writes. */
async function cli(root: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args, root), out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

describe('fleet page data from a scripted history', () => {
  let s: Scenario;
  let monday: SiteData;
  let saturday: SiteData;
  const cell = (data: SiteData, app: string, env: string) => data.apps.find((a) => a.name === app)!.cells[env]!;

  beforeAll(async () => {
    s = await scenario();
    monday = await collectSite(s.h.root, { now: MONDAY_NOON });
    saturday = await collectSite(s.h.root, { now: SATURDAY });
  });
  afterAll(() => s?.h.cleanup());

  it('lists every app with a cell per environment, in chain order', () => {
    expect(monday.environments.map((e) => e.name)).toEqual(['dev', 'sit', 'uat', 'staging', 'prod', 'dr']);
    expect(monday.apps.map((a) => a.name)).toEqual(['claims-api', 'legacy-api', 'quote-api']);
    expect(monday.teams).toEqual(['claims', 'pricing']);
    expect(monday.commit).toBe(s.c.legacy);
  });

  it('tells how long a pin has run: from the commit that set it', () => {
    const dev = cell(monday, 'claims-api', 'dev');
    expect(dev).toMatchObject({ state: 'current', version: '1.0.0' });
    expect(dev.since).toBe('2026-03-02T09:50:00.000Z');
    expect(dev.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(cell(monday, 'claims-api', 'sit').since).toBe('2026-03-02T09:10:00.000Z');
  });

  it('marks a version that soaked long enough upstream as promotable, with the command', () => {
    expect(cell(monday, 'legacy-api', 'sit')).toMatchObject({
      state: 'promotable',
      version: '1.0.0',
      upstreamVersion: '2.0.0',
      command: 'npm run -s promote -- legacy-api --to sit',
    });
  });

  it('counts the soak left from when the upstream pin landed', () => {
    // quote-api 1.1.0 landed in sit at 09:30; uat needs 4 h: 1.5 h left at noon.
    expect(cell(monday, 'quote-api', 'uat')).toMatchObject({
      state: 'soaking',
      soakLeftHours: 1.5,
      upstreamVersion: '1.1.0',
    });
    // claims-api 1.2.0 landed in staging at 09:40; prod needs 24 h.
    expect(cell(monday, 'claims-api', 'prod')).toMatchObject({ state: 'soaking', soakLeftHours: 21.7 });
  });

  it('marks a pending promotion into a frozen environment as frozen, naming the window and when it opens', () => {
    expect(cell(saturday, 'claims-api', 'prod')).toMatchObject({
      state: 'frozen',
      freeze: { window: 'weekend', opensAt: '2026-03-08T22:00:00.000Z' },
    });
    expect(saturday.environments.find((e) => e.name === 'prod')!.frozen?.window).toBe('weekend');
    expect(monday.environments.find((e) => e.name === 'prod')!.frozen).toBeUndefined();
  });

  it('raises the alarm when dr differs from prod, and tells where an app does not run', () => {
    expect(cell(monday, 'quote-api', 'dr')).toMatchObject({
      state: 'drift',
      version: '1.0.0',
      wave: { env: 'prod', version: '1.1.0' },
    });
    expect(cell(monday, 'claims-api', 'dr').state).toBe('current');
    expect(cell(monday, 'legacy-api', 'uat')).toMatchObject({ state: 'not-deployed' });
    expect(cell(monday, 'legacy-api', 'uat').version).toBeUndefined();
    // prod runs a newer quote-api than staging: nothing to promote there.
    expect(cell(monday, 'quote-api', 'prod')).toMatchObject({ state: 'current', version: '1.1.0' });
  });

  it("keeps each cell's latest releases with their commits, newest first", () => {
    const releases = cell(monday, 'claims-api', 'dev').releases;
    expect(releases.map((r) => monday.commits[r.commit]!.sha)).toEqual([s.c.rollback, s.c.bump, s.c.initial]);
    expect(releases[0]).toMatchObject({ change: 'changed', version: '1.0.0', previousVersion: '1.1.0' });
    expect(monday.commits[releases[0]!.commit]).toMatchObject({ rollback: true, pullRequest: 24 });
    expect(monday.commits[releases[1]!.commit]!.approvers).toEqual(['Dan Lead <dan@insure.example>']);
  });

  it('shows a release record attached after the page was built once (the cached commit is read again)', async () => {
    const before = await collectSite(s.h.root, { now: MONDAY_NOON });
    const quote = (data: SiteData) => data.apps.find((a) => a.name === 'quote-api')!.cells.dev!.releases[0]!;
    expect(before.commits[quote(before).commit]!.approvers).toEqual([]);
    recordRelease(
      s.h.root,
      s.c.quote,
      `Release-Order: ${s.c.bump}..${s.c.quote}\nApproved-by: dev-bob (@insure/developers)\n`,
    );
    const after = await collectSite(s.h.root, { now: MONDAY_NOON });
    expect(after.commits[quote(after).commit]!.approvers).toEqual(['dev-bob (@insure/developers)']);
  });

  it('computes the DORA metrics per environment and team', () => {
    const scope = (env: string, team: string) => monday.dora.scopes.find((x) => x.env === env && x.team === team)!;
    expect(monday.dora.weeks).toHaveLength(12);
    const dev = scope('dev', '');
    // Five release commits touched dev in the last week: the initial render, #21, #22, #24, #25.
    expect(dev.deploymentFrequency.values.at(-1)).toBe(5);
    expect(dev.deploymentFrequency.values.slice(0, 11)).toEqual(Array(11).fill(0));
    // Of dev's seven releases, claims-api 1.1.0 was rolled back: 1 in 7; restored 30 minutes later.
    expect(dev.changeFailureRate.values.at(-1)).toBe(14.3);
    expect(dev.timeToRestoreHours.values.at(-1)).toBe(0.5);
    expect(dev.timeToRestoreHours.values[0]).toBeNull();
    // quote-api 1.1.0 first came in at 09:30 and reached prod at 09:40; its other prod release is the initial one.
    expect(scope('prod', 'pricing').leadTimeHours.values.at(-1)).toBe(0.1);
    expect(scope('prod', 'claims').changeFailureRate.values.at(-1)).toBe(0);
  });

  it('gives the same bytes for the same repository and time', async () => {
    const out1 = join(s.h.root, 'out1');
    const out2 = join(s.h.root, 'out2');
    await buildSite(s.h.root, { out: 'out1', now: MONDAY_NOON });
    await buildSite(s.h.root, { out: 'out2', now: MONDAY_NOON, cache: false });
    expect(readFileSync(join(out1, 'index.html'), 'utf8')).toBe(readFileSync(join(out2, 'index.html'), 'utf8'));
  });

  it('builds index.html through the CLI, with the contract of the matrix in the HTML', async () => {
    const r = await cli(s.h.root, ['site', '--out', 'public', '--now', '2026-03-02T12:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*public\/index\.html: 3 apps x 6 environments/);
    const html = readFileSync(join(s.h.root, 'public', 'index.html'), 'utf8');
    expect(html).toContain('<tr data-app="legacy-api" data-team="claims"');
    expect(html).toMatch(/<td data-env="sit" data-state="promotable"><button[^>]*><span class="v">1\.0\.0<\/span>/);
    expect(html).toContain('<input type="search"');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('previews the page on 127.0.0.1 only, serving index.html and nothing else', async () => {
    const { file } = await buildSite(s.h.root, { out: 'preview', now: MONDAY_NOON });
    const preview = await serveFolder(join(s.h.root, 'preview'), 0);
    try {
      expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(preview.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(readFileSync(file, 'utf8'));
      expect((await fetch(`${preview.url}../environments/prod/versions.json`)).status).toBe(404);
      expect((await fetch(`${preview.url}other.html`)).status).toBe(404);
    } finally {
      await preview.close();
    }
  });

  it('fails on a --now that is not a time, naming the option and the form', async () => {
    const r = await cli(s.h.root, ['site', '--now', 'monday']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "option '--now <time>' argument 'monday' is invalid. expected an ISO 8601 time with its offset",
    );
  });

  it('fails on a --pr-url without {n}, and writes nothing', async () => {
    const r = await cli(s.h.root, ['site', '--out', 'never', '--pr-url', 'https://github.com/org/repo/pull/']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("--pr-url 'https://github.com/org/repo/pull/': has no {n}");
    expect(existsSync(join(s.h.root, 'never'))).toBe(false);
  });
});

describe('freeze calendar', () => {
  const weekend: FreezeWindow = {
    name: 'weekend',
    reason: 'weekend',
    schedule: '0 18 * * 5',
    duration: '60h',
    timeZone: 'Asia/Shanghai',
  };
  const yearEnd: FreezeWindow = {
    name: 'year-end',
    reason: 'peak',
    start: '2026-12-24T00:00:00+08:00',
    end: '2027-01-04T06:00:00+08:00',
  };

  it('lists each opening of a recurring window in the next days, in its time zone', () => {
    const spans = freezeCalendar([weekend], new Date('2026-11-25T00:00:00Z'), 30);
    expect(spans.map((s) => s.start)).toEqual([
      '2026-11-27T10:00:00.000Z',
      '2026-12-04T10:00:00.000Z',
      '2026-12-11T10:00:00.000Z',
      '2026-12-18T10:00:00.000Z',
    ]);
    expect(spans[0]!.end).toBe('2026-11-29T22:00:00.000Z');
  });

  it('clips a window that holds now or runs past the calendar, and keeps one-off windows', () => {
    const spans = freezeCalendar([weekend, yearEnd], new Date('2026-12-20T00:00:00Z'), 10);
    expect(spans[0]).toMatchObject({
      window: 'weekend',
      start: '2026-12-20T00:00:00.000Z',
      end: '2026-12-20T22:00:00.000Z',
    });
    expect(spans.find((s) => s.window === 'year-end')).toMatchObject({
      start: '2026-12-23T16:00:00.000Z',
      end: '2026-12-30T00:00:00.000Z',
    });
  });
});

describe('fleet page workflow', () => {
  const wf = fleetPageWorkflow({ runner: 'ubuntu-24.04', node: '20', branch: 'main' });

  it('grants Pages and the OIDC token to the deploy job only, and reads the repository in the build', () => {
    expect(wf.permissions).toEqual({});
    expect(wf.on.push?.branches).toEqual(['main']);
    expect(wf.jobs.build!.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.deploy!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(wf.jobs.deploy!.needs).toEqual(['build']);
    expect(wf.jobs.build!.steps.some((st) => st.run?.includes('npm run -s site -- --out "$RUNNER_TEMP/site"'))).toBe(
      true,
    );
  });

  it("passes the platform's workflow rules and GitHub's workflow parser", () => {
    expect(lintWorkflow(wf)).toEqual([]);
    expect(parserErrors('.github/workflows/fleet-page.yml', renderWorkflow(wf))).toEqual([]);
  });
});

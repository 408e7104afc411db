import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { raisePreStop } from '../../lib/bench/bigchange.ts';
import { COMMENT_LIMIT, releaseOrderComments } from '../../lib/github/comments.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import {
  detailParts,
  GITHUB_COMMENT_LIMIT,
  releaseOrderDetail,
  releaseOrderMarkdown,
} from '../../lib/release/markdown.ts';
import { buildReleaseOrder, type ReleaseOrder } from '../../lib/release/order.ts';
import { REPO_ROOT, service } from '../fixture.ts';
import { History } from './history.ts';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(3, '0')}`);

function summaryOf(order: ReleaseOrder, env: string) {
  const s = order.summary.find((x) => x.env === env);
  if (!s) throw new Error(`no summary of ${env}`);
  return s;
}

describe('release order of a change to every app: summary first', () => {
  const apps = names(120);
  let h: History;
  let order: ReleaseOrder;

  beforeAll(async () => {
    h = await History.create(Object.fromEntries(apps.map((a) => [a, service(a, { replicas: 2 })])));
    // dev's policy raises the preStop delay of every workload; two apps change their own spec; one pin moves.
    raisePreStop(h.root, 'dev');
    for (const a of ['svc-007', 'svc-042']) h.setApp(a, service(a, { replicas: 2, env: { TRACE: 'on' } }));
    h.pin('dev', 'svc-100', '1.1.0');
    await h.synth();
    h.commit('dev: longer preStop; trace svc-007 and svc-042; svc-100 1.1.0 in dev');
    order = await buildReleaseOrder(h.root, 'HEAD~1', 'HEAD');
  }, 180_000);

  afterAll(() => h.cleanup());

  it('GIVEN a change to all 120 apps WHEN rendered as Markdown THEN one comment within the limit leads with the summary', () => {
    // The per-app layout would need several comments.
    expect(detailParts(order).length).toBeGreaterThan(1);
    const comments = releaseOrderMarkdown(order);
    expect(comments).toHaveLength(1);
    const [md] = comments as [string];
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toContain('| Environment | Step | Apps | Changes | Risk | Approvals | Who may approve |');
    // dev's policy edit is high risk: 1 approval for low, one more per level.
    expect(md).toContain('### dev · **high** risk · 3 approvals from @insure/developers');
    expect(md).toContain(
      '- **other** · environment policy <code>environments/dev/environment.ts:27</code>: <code>    preStopSeconds: 5,</code> → <code>    preStopSeconds: 10,</code> · **high** risk · caused by environment file',
    );
    expect(md).toContain('too large to list app by app in one comment');
    expect(md).toContain('`release-order-detail.md`');
    expect(md).not.toContain('<details>');
    // The detail keeps every app's block.
    const detail = releaseOrderDetail(order);
    for (const a of apps) expect(detail).toContain(`<b>${a}</b>`);
  });

  it('GIVEN the summary WHEN the comment step posts it THEN it is one comment, also when it nearly fills one', () => {
    const [md] = releaseOrderMarkdown(order) as [string];
    const bodies = releaseOrderComments(md);
    expect(bodies).toEqual([`<!-- platform:release-order part=1 -->\n${md.trimEnd()}\n`]);
    // A text that fits with its marker is never split, even within the room the split keeps for part headings.
    const near = `# Release order\n\n${'x'.repeat(COMMENT_LIMIT - 100)}\n`;
    expect(releaseOrderComments(near)).toHaveLength(1);
    expect(releaseOrderComments(near)[0]!.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });

  it('GIVEN the same field changed alike in every app WHEN summarized THEN it is one group over all apps, caused by the environment file', () => {
    const dev = summaryOf(order, 'dev');
    expect(dev.apps).toBe(120);
    const preStop = dev.groups.find((g) => g.path.includes('lifecycle.preStop'))!;
    expect(preStop).toMatchObject({
      kind: 'config',
      objectKind: 'Deployment',
      path: 'spec.template.spec.containers[<app>].lifecycle.preStop.exec.command[1]',
      before: '5',
      after: '10',
      apps,
    });
    expect(preStop.causes).toEqual([{ type: 'environment', paths: ['environments/dev/environment.ts'] }]);
    const grace = dev.groups.find((g) => g.path === 'spec.template.spec.terminationGracePeriodSeconds')!;
    expect(grace).toMatchObject({ kind: 'rollout', before: '15', after: '20', apps, risk: 'medium' });
    const md = releaseOrderMarkdown(order)[0]!;
    expect(md).toContain(
      '- **rollout** · Deployment <code>spec.template.spec.terminationGracePeriodSeconds</code>: <code>15</code> → <code>20</code> in 120 apps · medium risk · caused by environment file <code>environments/dev/environment.ts</code>',
    );
  });

  it('GIVEN apps changed by their own spec or pin WHEN summarized THEN they stand out by name and their groups name that cause', () => {
    const dev = summaryOf(order, 'dev');
    expect(dev.common).toBe(117);
    expect(dev.standouts.map((s) => s.app)).toEqual(['svc-007', 'svc-042', 'svc-100']);
    const trace = dev.groups.find((g) => g.path.endsWith('.env'))!;
    expect(trace.apps).toEqual(['svc-007', 'svc-042']);
    expect(trace.causes).toEqual([{ type: 'app-spec', paths: ['apps/svc-007.ts', 'apps/svc-042.ts'] }]);
    const image = dev.groups.find((g) => g.kind === 'image')!;
    expect(image).toMatchObject({
      apps: ['svc-100'],
      after: expect.stringMatching(/^registry\.insure\.example\/claims\/<app>:1\.1\.0@sha256:/),
      causes: [{ type: 'pins', paths: ['environments/dev/versions.json'] }],
    });
    const md = releaseOrderMarkdown(order)[0]!;
    expect(md).toContain(
      '- also <code>Deployment spec.template.spec.containers[&lt;app&gt;].env: (none) → [{"name":"TRACE","value":"on"}]</code>: ' +
        '**svc-007**, **svc-042**',
    );
    expect(md).toMatch(
      /- also <code>Deployment spec\.template\.spec\.containers\[&lt;app&gt;\]\.image: [^<]+<\/code>: \*\*svc-100\*\*/,
    );
    expect(md).toContain('caused by app specs of 2 apps (<code>apps/svc-007.ts</code>, <code>apps/svc-042.ts</code>)');
    expect(md).toMatch(
      / in svc-100 · low risk · caused by versions pin <code>environments\/dev\/versions.json<\/code>/,
    );
    // In the other environments only the two traced apps change, both alike.
    const prod = summaryOf(order, 'prod');
    expect([prod.apps, prod.common, prod.standouts]).toEqual([2, 2, []]);
  });

  it('GIVEN the order as JSON WHEN read THEN the contract holds and the summary carries the groups with their causes', () => {
    const doc = JSON.parse(releaseOrderJson(order));
    expect(doc.changes.filter((c: { env: string }) => c.env === 'dev').length).toBeGreaterThanOrEqual(120);
    expect(doc.environments.map((e: { env: string }) => e.env)).toEqual(['dev', 'sit', 'uat', 'staging', 'prod', 'dr']);
    const dev = doc.summary.find((s: { env: string }) => s.env === 'dev');
    expect(dev.standouts.map((s: { app: string }) => s.app)).toEqual(['svc-007', 'svc-042', 'svc-100']);
    expect(dev.groups.find((g: { path: string }) => g.path.endsWith('.env')).causes).toEqual([
      { type: 'app-spec', paths: ['apps/svc-007.ts', 'apps/svc-042.ts'], features: [] },
    ]);
  });
});

describe('release order of a platform code change', () => {
  const apps = names(60);
  let h: History;
  let order: ReleaseOrder;

  beforeAll(async () => {
    h = await History.create(Object.fromEntries(apps.map((a) => [a, service(a)])));
    // The platform's code as part of the repository, as in this one: lib/ tracked, rendered by its own build.
    rmSync(join(h.root, 'lib'));
    cpSync(join(REPO_ROOT, 'lib'), join(h.root, 'lib'), { recursive: true });
    for (const f of ['tsconfig.json', 'package-lock.json']) cpSync(join(REPO_ROOT, f), join(h.root, f));
    writeFileSync(join(h.root, '.gitignore'), 'node_modules\n.render-cache/\n');
    h.commit('Track the platform code');
    const file = join(h.root, 'lib', 'workload', 'microservice.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('export const TMP_SIZE_MIB = 256;', 'export const TMP_SIZE_MIB = 512;'),
    );
    const synth = spawnSync(process.execPath, [join(h.root, 'lib', 'cli', 'launch.mjs'), 'synth'], {
      cwd: h.root,
      encoding: 'utf8',
    });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    h.commit('Platform: a larger /tmp for every app');
    order = await buildReleaseOrder(h.root, 'HEAD~1', 'HEAD');
  }, 180_000);

  afterAll(() => h.cleanup());

  it('GIVEN a platform change to every app in every environment WHEN summarized THEN each environment has one group caused by the platform code', () => {
    expect(order.environments.map((e) => e.apps.length)).toEqual([60, 60, 60, 60, 60, 60]);
    for (const s of order.summary) {
      expect(s.groups).toHaveLength(1);
      expect(s.groups[0]).toMatchObject({
        objectKind: 'Deployment',
        path: 'spec.template.spec.volumes[tmp].emptyDir.sizeLimit',
        before: '256Mi',
        after: '512Mi',
        apps,
        causes: [{ type: 'platform', paths: ['lib/workload/microservice.ts'], features: ['workload'] }],
      });
      expect(s.standouts).toEqual([]);
    }
    const md = releaseOrderMarkdown(order);
    expect(md).toHaveLength(1);
    expect(md[0]).toContain(
      '· Deployment <code>spec.template.spec.volumes[tmp].emptyDir.sizeLimit</code>: <code>256Mi</code> → <code>512Mi</code> in 60 apps · ',
    );
    expect(md[0]).toContain(
      'caused by platform code <code>lib/workload/microservice.ts</code> (platform feature workload)',
    );
  });
});

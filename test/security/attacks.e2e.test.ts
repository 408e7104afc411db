/**
 * The release gate, attacked from inside the company: each case is a change a
 * developer could push in a pull request (or straight to main), made on a real
 * git repository, judged by the real release order (CLI or library) and the
 * offline approval check. Every one of them must be refused or shown for what
 * it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateApprovals, type Review } from '../../lib/github/approvals.ts';
import { ARGOCD_COMMAND, argocdOutput } from '../../lib/argocd/files.ts';
import { writeGenerated } from '../../lib/util/generated.ts';
import { planComments, releaseOrderComments } from '../../lib/github/comments.ts';
import { releaseRecord } from '../../lib/github/release-note.ts';
import { parseReleaseOrder, type ReleaseOrderDocument as OrderData } from '../../lib/release/document.ts';
import { git } from '../../lib/git/git.ts';
import { heapDumpCommands } from '../../lib/observability/heapdump.ts';
import { CACHE_DIR, hashText } from '../../lib/util/cache.ts';
import { synth } from '../../lib/render/synth.ts';
import { toYaml } from '../../lib/render/yaml.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { auditMarkdown, auditReleases } from '../../lib/release/audit.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import { buildReleaseOrder, type ReleaseOrder } from '../../lib/release/order.ts';
import { formatReleaseNote, recordRelease } from '../../lib/release/record.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { REPO_ROOT, digestOf, service, tempDir, tempRepo } from '../fixture.ts';
import { History, type Person } from '../release/history.ts';

/** Gates are judged at a fixed time: a Wednesday, outside every freeze window, days after the scripted history. */
const NOW = new Date('2026-03-11T03:00:00Z');

const MALLORY: Person = { name: 'Mallory Dev', email: 'mallory@insure.example' };

/**
 * Members of every approver team. Mallory is a developer and an SRE, so her own approval would count if the author's
 * did.
 */
const TEAMS = new Map<string, string[]>([
  ['@insure/developers', ['mallory', 'dev-bob', 'dev-cy']],
  ['@insure/qa', ['qa-cat', 'qa-dan']],
  ['@insure/product-owners', ['po-eve']],
  ['@insure/sre', ['mallory', 'sre-gus', 'sre-hal', 'sre-ivy']],
  ['@insure/release-managers', ['rm-jo', 'rm-kim']],
]);

/** Runs the real CLI against `root`. */
function cli(root: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The order as the approval check reads it: through the JSON contract. */
function asData(order: ReleaseOrder): OrderData {
  return parseReleaseOrder(releaseOrderJson(order), 'release-order.json');
}

function approvals(order: OrderData, reviews: Review[], author = 'mallory') {
  return evaluateApprovals({ order, reviews, teams: TEAMS, author, headSha: order.head });
}

function approve(user: string, order: OrderData, body = ''): Review {
  return { user, state: 'APPROVED', commitId: order.head, submittedAt: '2026-05-04T10:00:00Z', body };
}

describe('attacks on the release gate', () => {
  let h: History;

  beforeAll(async () => {
    h = await History.create({
      'claims-api': service('claims-api'),
      'claims-legacy': service('claims-legacy'),
      'quote-api': service('quote-api', { team: 'pricing' }),
    });
    // The Argo CD objects, as `npm run argocd` writes them, so that an Application can be removed.
    h.write('pipelines/pipeline.ts', readFileSync(join(REPO_ROOT, 'pipelines', 'pipeline.ts'), 'utf8'));
    const argocd = await argocdOutput(h.root);
    writeGenerated(h.root, argocd.files, argocd.folders, ARGOCD_COMMAND);
    h.commit('Render the Argo CD objects');
  }, 120_000);

  afterAll(() => h.cleanup());

  /** A branch off main with `change` committed by Mallory; returns its head. */
  async function branch(
    name: string,
    change: () => void | Promise<void>,
    message = `Change: ${name}`,
  ): Promise<string> {
    h.checkout('main');
    h.checkout(name, true);
    await change();
    return h.commit(message, MALLORY);
  }

  it('GIVEN a stdout rewrite appended to environments/dev/environment.ts WHEN the release order runs THEN the file is never evaluated and prod and dr still need their approvals', async () => {
    const marker = join(tempDir(), 'evaluated');
    const head = await branch('hide-prod', async () => {
      h.pin('prod', 'claims-api', '9.9.9');
      h.pin('dr', 'claims-api', '9.9.9');
      await h.synth();
      const file = 'environments/dev/environment.ts';
      h.write(
        file,
        `${h.read(file)}\nimport { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n` +
          'const write = process.stdout.write.bind(process.stdout);\n' +
          'process.stdout.write = ((chunk: unknown) => write(String(chunk).replace(/"environments": \\[[\\s\\S]*\\],\\n  "changes"/, \'"environments": [],\\n  "changes"\'))) as never;\n',
      );
    });
    const result = cli(
      h.root,
      'release-order',
      '--base',
      `${head}^`,
      '--head',
      head,
      '--format',
      'json',
      '--at',
      NOW.toISOString(),
    );
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(1);
    const order = parseReleaseOrder(result.stdout, 'stdout');
    // dev: its policy edit is a high-risk change (1 + 2); prod and dr: an image change at medium risk (2 + 1).
    expect(order.environments.map((e) => [e.env, e.approvalsRequired])).toEqual([
      ['dev', 3],
      ['prod', 3],
      ['dr', 3],
    ]);
    expect(order.changes.find((c) => c.env === 'dev')).toMatchObject({ app: 'policy', kind: 'other', risk: 'high' });
    expect(order.guard.violations.map((v) => `${v.env} ${v.rule} ${v.overridable}`)).toEqual(['prod upstream false']);
    const verdict = approvals(order, []);
    expect(verdict.ok).toBe(false);
    expect(verdict.environments.map((e) => e.ok)).toEqual([false, false, false]);
  });

  it("GIVEN a pull request that removes an app and weakens prod's policy WHEN ordered THEN the base policy judges it: blocked, 4 prod approvals, the policy edit shown", async () => {
    const head = await branch('weaken-prod', async () => {
      h.removeApp('claims-legacy');
      await h.synth();
      const file = 'environments/prod/environment.ts';
      h.write(
        file,
        h
          .read(file)
          .replace('required: 2', 'required: 0')
          .replace(
            'deletionGuard: { maxRemovedShare: 0.1, refuseAppRemoval: true }',
            'deletionGuard: { maxRemovedShare: 1 }',
          ),
      );
    });
    const order = await buildReleaseOrder(h.root, `${head}^`, head, { now: NOW });
    const prod = order.environments.find((e) => e.env === 'prod')!;
    expect(prod.approvalsRequired).toBe(4);
    expect(order.guard.blocked).toBe(true);
    // The removal changes every environment with its upstream: the chain rule refuses it as well.
    expect(order.guard.violations.filter((v) => v.env === 'prod').map((v) => v.rule)).toEqual([
      'app-removal',
      'removed-share',
      'chain',
    ]);
    const policy = order.changes.find((c) => c.env === 'prod' && c.app === 'policy')!;
    expect(policy.fields.map((f) => [f.before, f.after])).toContainEqual(['    required: 2,', '    required: 0,']);
    // dr takes prod's policy by import: its policy changed too.
    expect(order.changes.some((c) => c.env === 'dr' && c.app === 'policy')).toBe(true);
    expect(approvals(asData(order), [approve('sre-gus', asData(order))]).ok).toBe(false);
  });

  it("GIVEN a self-written Release-Override trailer WHEN checked THEN it only asks; an override counts only from an approver's review, never the author's", async () => {
    const head = await branch(
      'retire-legacy',
      async () => {
        h.removeApp('claims-legacy');
        await h.synth();
      },
      // The chain trailer lets the removal leave every environment at once; the deletion guard still judges it.
      'Retire claims-legacy\n\nRelease-Override: replaced by claims-api\nChain-Override: claims-legacy leaves every environment at once',
    );
    const order = asData(await buildReleaseOrder(h.root, `${head}^`, head, { now: NOW }));
    expect(order.guard.violations.map((v) => `${v.env} ${v.rule}`)).toEqual([
      'prod app-removal',
      'prod removed-share',
      'dr app-removal',
      'dr removed-share',
    ]);
    // The app leaves every environment: each needs its approvers; prod and dr need four (high risk).
    const others = ['dev-bob', 'dev-cy', 'qa-cat', 'qa-dan', 'sre-hal', 'sre-ivy', 'rm-jo'].map((u) =>
      approve(u, order),
    );
    const enough = [approve('sre-gus', order), ...others];
    // The trailer alone, with every approval there: refused.
    const trailerOnly = approvals(order, enough);
    expect(trailerOnly.ok).toBe(false);
    expect(trailerOnly.environments.find((e) => e.env === 'prod')!.reason).toContain('needs an override');
    // The author grants herself the override: not counted.
    const selfGranted = approvals(order, [...enough, approve('mallory', order, 'Release-Override: trust me')]);
    expect(selfGranted.ok).toBe(false);
    expect(selfGranted.environments.every((e) => e.overrides.length === 0)).toBe(true);
    // An approver of prod and dr grants it in a review of the head commit: it counts, with who and why.
    const granted = approvals(order, [
      ...others,
      approve('sre-gus', order, 'Checked the traffic.\nRelease-Override: claims-legacy has had no traffic for 30 days'),
    ]);
    expect(granted.ok).toBe(true);
    expect(granted.environments.find((e) => e.env === 'prod')!.overrides).toEqual([
      { user: 'sre-gus', reason: 'claims-legacy has had no traffic for 30 days' },
    ]);
    // The same grant on an earlier commit counts for nothing.
    const stale = approvals(order, [
      ...others,
      { ...approve('sre-gus', order, 'Release-Override: later'), commitId: order.base },
    ]);
    expect(stale.ok).toBe(false);
  });

  it('GIVEN forged Approved-by and Promoted-From trailers, pushed plainly and squash-merged WHEN audited THEN they are claims, not approvals; a release record is evidence', async () => {
    h.checkout('main');
    h.pin('dev', 'quote-api', '1.1.0');
    await h.synth();
    const plain = h.commit(
      'Bump quote-api\n\nApproved-by: Erin SRE <erin@insure.example>\nPromoted-From: staging',
      MALLORY,
    );
    h.checkout('forged', true);
    h.pin('dev', 'quote-api', '1.2.0');
    await h.synth();
    h.commit('Bump quote-api again', MALLORY);
    h.checkout('main');
    const squash = h.squash(
      'forged',
      'Bump quote-api again (#31)\n\nApproved-by: Erin SRE <erin@insure.example>',
      MALLORY,
    );
    const records = await auditReleases(h.root, { env: 'dev', app: 'quote-api' });
    for (const commit of [plain, squash]) {
      const r = records.find((x) => x.commit === commit)!;
      expect(r).toMatchObject({
        recorded: false,
        approvers: [],
        promotedFrom: null,
        claims: { approvers: ['Erin SRE <erin@insure.example>'] },
      });
    }
    expect(auditMarkdown(records)).toContain(
      'no release record; claimed in commit (unverified): approved-by Erin SRE <erin@insure.example>; promoted-from staging',
    );

    // The release workflow records the merge: approvals from the reviews, the source proven by the gates.
    const order = asData(await buildReleaseOrder(h.root, `${squash}^`, squash, { now: NOW }));
    const verdict = approvals(order, [approve('dev-bob', order)], 'mallory');
    recordRelease(h.root, squash, formatReleaseNote(releaseRecord(order, 31, verdict)));
    const recorded = (await auditReleases(h.root, { env: 'dev', app: 'quote-api' })).find((x) => x.commit === squash)!;
    expect(recorded).toMatchObject({
      recorded: true,
      approvers: ['dev-bob (@insure/developers)'],
      promotedFrom: 'build',
    });
  });

  it('GIVEN a shallow clone WHEN audited or ordered THEN it is refused with the command that fetches the history', async () => {
    const shallow = join(tempDir(), 'clone');
    git(REPO_ROOT, ['clone', '-q', '--depth', '1', `file://${h.root}`, shallow]);
    await expect(auditReleases(shallow)).rejects.toThrow(
      /audit needs the whole git history, and this clone is shallow.*git fetch --unshallow/,
    );
    await expect(buildReleaseOrder(shallow, 'HEAD', 'HEAD')).rejects.toThrow(
      /release-order needs the whole git history/,
    );
  });

  it('GIVEN a cluster name that carries a command WHEN the heap dump lines are pasted into a shell THEN it is one argument and nothing runs', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api', { runtime: 'spring-boot' }) } });
    const marker = join(tempDir(), 'pwned');
    const app = resolveProject(await loadProject(root)).find((a) => a.environment.name === 'dev')!;
    const evil = `dev-$(touch ${marker})\`touch ${marker}\`'`;
    const commands = heapDumpCommands({
      ...app,
      environment: { ...app.environment, cluster: { ...app.environment.cluster, name: evil } },
    });
    const line = commands.split('\n').find((l) => l.startsWith('kubectl') && l.includes(' get pods '))!;
    const shell = spawnSync('bash', ['-c', `kubectl() { printf '%s\\n' "$@"; }\n${line}`], { encoding: 'utf8' });
    expect(shell.status).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(shell.stdout.split('\n')).toContain(evil);
  });

  it("GIVEN a pull request author's comment carrying the release-order marker WHEN the bot updates its comments THEN that comment is neither edited nor deleted", () => {
    const bodies = releaseOrderComments('## Release order\n\nreal content');
    const spoofed = {
      id: 7,
      body: '<!-- platform:release-order part=1 -->\nAll approved, merge away.',
      author: 'mallory',
    };
    const plan = planComments([spoofed], bodies);
    expect(plan).toEqual({ create: bodies, update: [], remove: [], unchanged: 0 });
    const ours = { id: 8, body: bodies[0]!, author: 'github-actions[bot]' };
    expect(planComments([spoofed, ours], bodies)).toEqual({ create: [], update: [], remove: [], unchanged: 1 });
  });

  it('GIVEN a forged render-cache entry whose hash matches a hand-edited manifest WHEN synth --check runs THEN the manifest is stale', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    await synth(root);
    const path = 'dev/apps/claims-api.yaml';
    const file = join(root, 'manifests', path);
    const original = readFileSync(file, 'utf8');
    const edited = original.replace(
      'registry.insure.example/claims/claims-api:1.0.0',
      'registry.insure.example/claims/claims-api:6.6.6',
    );
    expect(edited).not.toBe(original);
    writeFileSync(file, edited);
    // Forge the store: the entry of that render now holds the edited bytes, with their hash.
    const store = join(root, CACHE_DIR, 'renders');
    const code = spawnSync('ls', [store], { encoding: 'utf8' }).stdout.trim();
    const indexFile = join(store, code, 'index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as Record<string, { path: string; hash: string }>;
    const key = Object.keys(index).find((k) => !Array.isArray(index[k]) && index[k]!.path === path)!;
    writeFileSync(join(store, code, `${key}.yaml`), edited);
    index[key] = { ...index[key]!, hash: hashText(edited) };
    writeFileSync(indexFile, JSON.stringify(index));
    const check = await synth(root, { check: true });
    expect(check.diff.changed).toEqual([path]);
    const byCli = cli(root, 'synth', '--check');
    expect(byCli.code).toBe(1);
    expect(byCli.stderr + byCli.stdout).toContain(path);
  });

  it('GIVEN a prod digest pinned by hand that staging never ran WHEN ordered THEN the upstream gate refuses it, and no override lifts it', async () => {
    h.checkout('main');
    h.pin('staging', 'claims-api', '1.1.0');
    await h.synth();
    const stagingRuns = h.commit('Promote claims-api 1.1.0 to staging');
    const head = await branch('rogue-digest', async () => {
      for (const env of ['prod', 'dr'] as const) {
        const file = join(h.root, `environments/${env}/versions.json`);
        const pins = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { tag: string; digest: string }>;
        pins['claims-api'] = { tag: '1.1.0', digest: digestOf('a build nobody tested') };
        writeFileSync(file, `${JSON.stringify(pins, null, 2)}\n`);
      }
      await h.synth();
    });
    const order = asData(await buildReleaseOrder(h.root, stagingRuns, head, { now: NOW }));
    const refusal = order.guard.violations.find((v) => v.env === 'prod' && v.rule === 'upstream')!;
    expect(refusal.overridable).toBe(false);
    expect(refusal.message).toMatch(
      /claims-api: 1\.1\.0@sha256:\w+ does not run in staging or uat on the base revision \(staging runs 1\.1\.0@sha256:/,
    );
    // dr follows prod's head pin, so only prod is refused; dr is still a change that needs its approvals.
    expect(order.guard.violations.filter((v) => v.env === 'dr')).toEqual([]);
    const everyone = ['sre-gus', 'sre-hal', 'sre-ivy', 'rm-jo', 'rm-kim'].map((u) =>
      approve(u, order, 'Release-Override: urgent'),
    );
    expect(approvals(order, everyone).ok).toBe(false);
    // The same pin made by promote, with the artifact staging runs, passes the gates.
    const legit = await branch('promote-claims', async () => {
      for (const env of ['prod', 'dr'] as const) h.pin(env, 'claims-api', '1.1.0');
      await h.synth();
    });
    const promoted = await buildReleaseOrder(h.root, stagingRuns, legit, { now: NOW });
    expect(promoted.guard.violations).toEqual([]);
    expect(promoted.pins.map((p) => [p.env, p.source])).toEqual([
      ['prod', 'staging'],
      ['dr', 'prod'],
    ]);
  });

  it("GIVEN an app dropped from prod's kustomization index only WHEN ordered THEN its objects are removed and prod refuses the app removal", async () => {
    const head = await branch('drop-from-index', () => {
      for (const env of ['prod', 'dr']) h.list(env, 'apps/claims-legacy.yaml', false);
    });
    const order = await buildReleaseOrder(h.root, `${head}^`, head, { now: NOW });
    const prod = order.changes.filter((c) => c.env === 'prod');
    expect(prod.length).toBeGreaterThan(0);
    expect(prod.every((c) => c.app === 'claims-legacy' && c.kind === 'removed')).toBe(true);
    expect(order.guard.violations.map((v) => `${v.env} ${v.rule}`)).toContain('prod app-removal');
    expect(releaseOrderJson(order)).not.toContain('No change to `manifests/`');
  });

  it("GIVEN an app's Argo CD Application removed from delivery/argocd/prod/ WHEN ordered THEN the Application and the objects it applied are removed, and prod refuses it", async () => {
    const head = await branch('drop-application', async () => {
      h.remove('delivery/argocd/prod/apps/claims-legacy.yaml');
    });
    const order = await buildReleaseOrder(h.root, `${head}^`, head, { now: NOW });
    const prod = order.changes.filter((c) => c.env === 'prod');
    expect(
      prod.some(
        (c) => c.object === 'argoproj.io/v1alpha1/Application/argocd/prod-claims-legacy' && c.kind === 'removed',
      ),
    ).toBe(true);
    expect(prod.every((c) => c.app === 'claims-legacy' && c.kind === 'removed')).toBe(true);
    expect(order.guard.violations.map((v) => `${v.env} ${v.rule}`)).toContain('prod app-removal');
  });

  it('GIVEN a sidecar with a new image added to a Deployment WHEN ordered THEN it is an image change', async () => {
    const head = await branch('sidecar', () => {
      const path = 'manifests/dev/apps/claims-api.yaml';
      const objects = parseAllDocuments(h.read(path)).map((d) => d.toJS() as KubeObject);
      const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
        spec: { template: { spec: { containers: unknown[] } } };
      };
      deployment.spec.template.spec.containers.push({ name: 'helper', image: 'docker.io/mallory/miner:1' });
      h.write(path, toYaml(objects));
    });
    const order = await buildReleaseOrder(h.root, `${head}^`, head, { now: NOW });
    expect(order.changes.map((c) => [c.env, c.app, c.kind])).toEqual([['dev', 'claims-api', 'image']]);
    expect(order.changes[0]!.fields.map((f) => f.path)).toEqual(['spec.template.spec.containers[helper]']);
  });

  it("GIVEN an app's first release WHEN ordered THEN its disruption budget is no disruption-budget risk", async () => {
    const head = await branch('new-app', async () => {
      h.setApp('fraud-scoring', service('fraud-scoring', { replicas: 3, environments: ['dev'] }));
      h.pin('dev', 'fraud-scoring', '1.0.0');
      await h.synth();
      const argocd = await argocdOutput(h.root);
      writeGenerated(h.root, argocd.files, argocd.folders, ARGOCD_COMMAND);
    });
    const order = await buildReleaseOrder(h.root, `${head}^`, head, { now: NOW });
    const pdb = order.changes.find((c) => c.object.includes('PodDisruptionBudget'))!;
    expect(pdb).toMatchObject({ kind: 'added', triggers: ['added'], risk: 'low' });
  });
});

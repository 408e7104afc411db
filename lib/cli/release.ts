/**
 * `release-order` and `audit`.
 */
import { Option, type Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { closest } from '../spec/problems.ts';
import { join, resolve } from 'node:path';
import { auditJson, auditMarkdown, auditReleases } from '../release/audit.ts';
import { CHAIN_FIX } from '../release/chain.ts';
import { collectEvidence, resolveRelease, verifyEvidence, writeEvidence } from '../release/evidence.ts';
import { exceptionsJson, exceptionsMarkdown, findExceptions } from '../release/exceptions.ts';
import { notesMarkdown, releaseNotes } from '../release/notes.ts';
import { EVIDENCE_NAMESPACE } from '../release/signers.ts';
import { releaseOrderJson } from '../release/json.ts';
import { DETAIL_FILE, releaseOrderDetail, releaseOrderMarkdown } from '../release/markdown.ts';
import { buildReleaseOrder } from '../release/order.ts';

/** Options of `release-order`, as parsed. */
interface ReleaseOrderOptions {
  base: string;
  head: string;
  format: 'md' | 'json';
  verify?: boolean;
  out?: string;
  detailLink?: string;
  at?: string;
}

/** Registers the release commands on `program`. */
export function releaseCommands(program: Command, root: string): void {
  program
    .command('release-order')
    .description(
      'the release order between two git revisions: changes per environment and app, risk, approvals, rollout plan, release guards',
    )
    .requiredOption('--base <ref>', 'revision the change starts from (the pull request base)')
    .requiredOption('--head <ref>', 'revision the change ends at (the pull request head)')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--verify', "re-render the head's specs and fail if its committed manifests are stale")
    .option('--out <dir>', `also write the comments as <dir>/release-order-<n>.md, the detail as <dir>/${DETAIL_FILE}`)
    .option('--detail-link <url>', 'where a summarized order links its full per-app detail (the workflow artifact)')
    .option(
      '--at <time>',
      'judge the soak and freeze gates at this ISO 8601 time instead of now (to reproduce a past verdict)',
    )
    .action(async (options: ReleaseOrderOptions) => {
      const now = options.at === undefined ? undefined : new Date(options.at);
      if (now !== undefined && (!/^\d{4}-\d{2}-\d{2}T/.test(options.at!) || Number.isNaN(now.getTime()))) {
        throw new Error(`--at '${options.at}': not an ISO 8601 time; write it as 2026-03-11T03:00:00Z`);
      }
      // Checked before anything is printed: the parts go into a folder.
      const out = options.out === undefined ? undefined : resolve(root, options.out);
      if (out !== undefined && existsSync(out) && !statSync(out).isDirectory()) {
        throw new Error(
          `--out '${options.out}' is a file; name a folder (the parts are written as <folder>/release-order-<n>.md)`,
        );
      }
      const order = await buildReleaseOrder(root, options.base, options.head, {
        verify: options.verify,
        ...(now ? { now } : {}),
      });
      if (options.format === 'json') {
        process.stdout.write(releaseOrderJson(order));
      } else {
        const link = options.detailLink ? { detailLink: options.detailLink } : {};
        const parts = releaseOrderMarkdown(order, undefined, link);
        process.stdout.write(parts.join('\n'));
        if (out !== undefined) writeParts(out, parts, releaseOrderDetail(order));
      }
      if (order.guard.blocked) {
        const reasons = order.guard.violations
          .map(
            (v) =>
              `  - ${v.env === '*' ? 'all environments' : v.env} [${v.rule}${v.overridable || v.rule === 'chain' ? '' : ', cannot be overridden'}]: ${v.message}`,
          )
          .join('\n');
        const overridable = [...new Set(order.guard.violations.filter((v) => v.overridable).map((v) => v.env))];
        const how =
          overridable.length > 0
            ? `An override is granted only by an approver of ${overridable.join(', ')}, in an approving review of the head commit with a line\n  Release-Override: <reason>\n(a commit trailer only asks for one). The approval check counts it.\n`
            : '';
        const chain = order.guard.violations.some((v) => v.rule === 'chain')
          ? `The chain rule: one pull request, one step of the chain; no environment may change in the same pull request as the environment it is promoted from. ${CHAIN_FIX}\n`
          : '';
        process.stderr.write(`release order refused by the release guards:\n${reasons}\n${how}${chain}`);
        process.exitCode = 1;
      }
    });

  program
    .command('audit')
    .description(
      'who released what, where and when: the first-parent history of main, from git alone; ' +
        'its exceptions, evidence and release notes',
    )
    .option('--env <env>', 'only this environment')
    .option('--app <app>', 'only this app')
    .option('--since <date>', 'only releases on or after this date (YYYY-MM-DD)')
    .option('--ref <branch>', 'branch whose first-parent history is the release history', 'main')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--exceptions', 'list the changes to audited environments that did not follow the process; exit 1 if any')
    .option('--evidence <rev>', 'write the evidence pack of one release (a commit, or #PR) to --out')
    .option('--out <dir>', 'folder for --evidence (evidence.json, evidence.md)')
    .option('--key <file>', `with --evidence: sign the files with this SSH private key (-n ${EVIDENCE_NAMESPACE})`)
    .option('--verify-evidence <dir>', 'check the signatures of an evidence pack offline; exit 1 unless both are good')
    .option('--allowed-signers <file>', 'with --verify-evidence: an allowed signers file (.github/allowed_signers)')
    .option('--notes <app>', 'what changed in an app between two versions (--from, --to): its spec and pin commits')
    .option('--from <version>', 'with --notes: the earlier version')
    .option('--to <version>', 'with --notes: the later version')
    .action(async (options: AuditCliOptions) => {
      const modes = [options.exceptions, options.evidence, options.verifyEvidence, options.notes];
      if (modes.filter((m) => m !== undefined).length > 1) {
        throw new Error('use one of --exceptions, --evidence, --verify-evidence and --notes at a time');
      }
      if (options.exceptions) {
        const report = await findExceptions(root, { ref: options.ref, env: options.env, since: options.since });
        process.stdout.write(options.format === 'json' ? exceptionsJson(report) : exceptionsMarkdown(report));
        if (report.exceptions.length > 0) process.exitCode = 1;
        return;
      }
      if (options.evidence !== undefined) {
        if (!options.out) throw new Error('--evidence needs --out <dir>, the folder for evidence.json and evidence.md');
        const commit = resolveRelease(root, options.evidence, options.ref);
        const evidence = await collectEvidence(root, commit, options.ref);
        const dir = resolve(options.out);
        mkdirSync(dir, { recursive: true });
        const files = writeEvidence(dir, evidence, options.key === undefined ? undefined : resolve(options.key));
        process.stdout.write(`wrote ${files.map((f) => join(options.out!, f)).join(', ')}\n`);
        return;
      }
      if (options.verifyEvidence !== undefined) {
        if (!options.allowedSigners) {
          throw new Error('--verify-evidence needs --allowed-signers <file> (e.g. .github/allowed_signers)');
        }
        const checks = verifyEvidence(resolve(options.verifyEvidence), resolve(options.allowedSigners));
        for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.file}: ${c.message}\n`);
        if (!checks.every((c) => c.ok)) process.exitCode = 1;
        return;
      }
      if (options.notes !== undefined) {
        if (!options.from || !options.to) throw new Error('--notes needs --from <version> and --to <version>');
        const { from, to, ref } = options;
        const notes = await releaseNotes(root, { app: options.notes, from, to, ref });
        process.stdout.write(options.format === 'json' ? `${JSON.stringify(notes, null, 2)}\n` : notesMarkdown(notes));
        return;
      }
      const records = await auditReleases(root, options);
      if (records.length === 0 && options.app !== undefined) checkAppName(root, options.app);
      process.stdout.write(options.format === 'json' ? auditJson(records) : auditMarkdown(records, options));
    });
}

/** Options of the `audit` command. */
interface AuditCliOptions {
  readonly env?: string;
  readonly app?: string;
  readonly since?: string;
  readonly ref: string;
  readonly format: 'md' | 'json';
  readonly exceptions?: boolean;
  readonly evidence?: string;
  readonly out?: string;
  readonly key?: string;
  readonly verifyEvidence?: string;
  readonly allowedSigners?: string;
  readonly notes?: string;
  readonly from?: string;
  readonly to?: string;
}

/**
 * Throws when `app` names no app of `apps/` (an audit that finds nothing for a misspelt name
 * would look like an app never released), naming the closest app.
 */
function checkAppName(root: string, app: string): void {
  const dir = join(root, 'apps');
  const apps = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.slice(0, -3))
    : [];
  if (apps.includes(app)) return;
  const guess = closest(app, apps);
  throw new Error(
    `--app '${app}' names no app in apps/${guess ? `; did you mean '${guess}'?` : ''} (no release found)`,
  );
}

/** Writes Markdown parts as numbered files and the full detail, removing parts left from an earlier, longer order. */
function writeParts(dir: string, parts: readonly string[], detail: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^release-order-\d+\.md$/.test(f)) rmSync(join(dir, f));
  for (const [i, p] of parts.entries()) writeFileSync(join(dir, `release-order-${i + 1}.md`), p);
  writeFileSync(join(dir, DETAIL_FILE), detail);
}

/**
 * `release-order` and `audit`.
 */
import { Option, type Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { closest } from '../spec/problems.ts';
import { join, resolve } from 'node:path';
import { auditJson, auditMarkdown, auditReleases } from '../release/audit.ts';
import { releaseOrderJson } from '../release/json.ts';
import { releaseOrderMarkdown } from '../release/markdown.ts';
import { buildReleaseOrder } from '../release/order.ts';

/** Registers the release commands on `program`. */
export function releaseCommands(program: Command, root: string): void {
  program
    .command('release-order')
    .description('the release order between two git revisions: changes per environment and app, risk, approvals, rollout plan, release guards')
    .requiredOption('--base <ref>', 'revision the change starts from (the pull request base)')
    .requiredOption('--head <ref>', 'revision the change ends at (the pull request head)')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--verify', "re-render the head's specs and fail if its committed manifests are stale")
    .option('--out <dir>', 'also write each Markdown comment part to <dir>/release-order-<n>.md')
    .option('--at <time>', 'judge the soak and freeze gates at this ISO 8601 time instead of now (to reproduce a past verdict)')
    .action(async (options: { base: string; head: string; format: 'md' | 'json'; verify?: boolean; out?: string; at?: string }) => {
      const now = options.at === undefined ? undefined : new Date(options.at);
      if (now !== undefined && (!/^\d{4}-\d{2}-\d{2}T/.test(options.at!) || Number.isNaN(now.getTime()))) {
        throw new Error(`--at '${options.at}': not an ISO 8601 time; write it as 2026-03-11T03:00:00Z`);
      }
      // Checked before anything is printed: the parts go into a folder.
      const out = options.out === undefined ? undefined : resolve(root, options.out);
      if (out !== undefined && existsSync(out) && !statSync(out).isDirectory()) {
        throw new Error(`--out '${options.out}' is a file; name a folder (the parts are written as <folder>/release-order-<n>.md)`);
      }
      const order = await buildReleaseOrder(root, options.base, options.head, { verify: options.verify, ...(now ? { now } : {}) });
      if (options.format === 'json') {
        process.stdout.write(releaseOrderJson(order));
      } else {
        const parts = releaseOrderMarkdown(order);
        process.stdout.write(parts.join('\n'));
        if (out !== undefined) writeParts(out, parts);
      }
      if (order.guard.blocked) {
        const reasons = order.guard.violations
          .map((v) => `  - ${v.env === '*' ? 'all environments' : v.env} [${v.rule}${v.overridable ? '' : ', cannot be overridden'}]: ${v.message}`)
          .join('\n');
        const overridable = [...new Set(order.guard.violations.filter((v) => v.overridable).map((v) => v.env))];
        const how = overridable.length > 0
          ? `An override is granted only by an approver of ${overridable.join(', ')}, in an approving review of the head commit with a line\n  Release-Override: <reason>\n(a commit trailer only asks for one). The approval check counts it.\n`
          : '';
        process.stderr.write(`release order refused by the release guards:\n${reasons}\n${how}`);
        process.exitCode = 1;
      }
    });

  program
    .command('audit')
    .description('who released what, where and when: the first-parent history of main, from git alone')
    .option('--env <env>', 'only this environment')
    .option('--app <app>', 'only this app')
    .option('--since <date>', 'only releases on or after this date (YYYY-MM-DD)')
    .option('--ref <branch>', 'branch whose first-parent history is the release history', 'main')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .action(async (options: { env?: string; app?: string; since?: string; ref: string; format: 'md' | 'json' }) => {
      const records = await auditReleases(root, options);
      if (records.length === 0 && options.app !== undefined) checkAppName(root, options.app);
      process.stdout.write(options.format === 'json' ? auditJson(records) : auditMarkdown(records, options));
    });
}

/**
 * Throws when `app` names no app of `apps/` (an audit that finds nothing for a misspelt name
 * would look like an app never released), naming the closest app.
 */
function checkAppName(root: string, app: string): void {
  const dir = join(root, 'apps');
  const apps = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)) : [];
  if (apps.includes(app)) return;
  const guess = closest(app, apps);
  throw new Error(`--app '${app}' names no app in apps/${guess ? `; did you mean '${guess}'?` : ''} (no release found)`);
}

/** Writes Markdown parts as numbered files, removing parts left from an earlier, longer order. */
function writeParts(dir: string, parts: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^release-order-\d+\.md$/.test(f)) rmSync(join(dir, f));
  parts.forEach((p, i) => writeFileSync(join(dir, `release-order-${i + 1}.md`), p));
}

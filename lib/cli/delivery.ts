/**
 * `delivery <step>`: the steps the generated workflows run against GitHub
 * (approval check, release-order comments, release record, next promotions).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { evaluateApprovals, formatVerdict, type ApprovalVerdict, type Review } from '../github/approvals.ts';
import { COMMENT_BOT, planComments, releaseOrderComments } from '../github/comments.ts';
import { GitHub } from '../github/client.ts';
import { nextPromotions } from '../release/promotions.ts';
import { releaseRecord } from '../github/release-note.ts';
import { formatReleaseNote, recordRelease } from '../release/record.ts';
import { readReleaseOrder, type OrderView } from '../release/document.ts';
import { revParse } from '../git/git.ts';
import { loadEnvironmentsOnly } from '../spec/project.ts';

/** The commit status the approval check sets; branch protection requires it. */
const APPROVALS_STATUS = 'release-order approvals';

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} '${value}' is not a pull request number`);
  return n;
}

function repoOf(option: string | undefined): string {
  const repo = option ?? process.env.GITHUB_REPOSITORY;
  if (!repo) throw new Error('no repository: pass --repo owner/name (on Actions GITHUB_REPOSITORY is set)');
  return repo;
}

function github(tokenVariable = 'GITHUB_TOKEN'): GitHub {
  return new GitHub({ token: process.env[tokenVariable] ?? '', apiUrl: process.env.GITHUB_API_URL });
}

/** Members of every approver team the release order names. Team reads use TEAMS_TOKEN when set (they need read:org). */
async function teamMembers(order: OrderView): Promise<Map<string, string[]>> {
  const client = process.env.TEAMS_TOKEN ? github('TEAMS_TOKEN') : github();
  const handles = [...new Set(order.environments.flatMap((e) => e.approvers))].sort();
  const out = new Map<string, string[]>();
  for (const handle of handles) out.set(handle, await client.teamMembers(handle));
  return out;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read ${what} from ${file}: ${(error as Error).message}`);
  }
}

/** Registers the `delivery` steps on `program`. */
export function deliveryCommands(program: Command, root: string): void {
  const delivery = program
    .command('delivery')
    .description('steps the generated workflows run (GitHub API calls use GITHUB_TOKEN)');

  delivery
    .command('approvals')
    .description(
      'exit 1 unless the pull request carries the approvals its release order demands; prints the verdict as Markdown',
    )
    .requiredOption('--release-order <file>', 'output of release-order --format json')
    .requiredOption('--pr <number>', 'pull request number')
    .option('--repo <owner/name>', 'repository (default: GITHUB_REPOSITORY)')
    .option('--reviews <file>', 'offline: reviews as JSON [{ user, state, commitId, submittedAt }] instead of the API')
    .option('--teams <file>', 'offline: team members as JSON { "@org/team": ["login"] } instead of the API')
    .option('--author <login>', 'offline: the pull request author')
    .option('--head <sha>', 'offline: the commit being checked')
    .option('--status', `also set the commit status '${APPROVALS_STATUS}' on the head commit (needs statuses: write)`)
    .action(
      async (options: {
        releaseOrder: string;
        pr: string;
        repo?: string;
        reviews?: string;
        teams?: string;
        author?: string;
        head?: string;
        status?: boolean;
      }) => {
        const order = readReleaseOrder(options.releaseOrder);
        const pr = positiveInt(options.pr, '--pr');
        let verdict: ApprovalVerdict;
        if (options.reviews || options.teams) {
          if (!options.reviews || !options.teams || !options.author || !options.head) {
            throw new Error('offline mode needs all of --reviews, --teams, --author and --head');
          }
          const teams = new Map(Object.entries(readJson<Record<string, string[]>>(options.teams, 'team members')));
          verdict = evaluateApprovals({
            order,
            reviews: readJson<Review[]>(options.reviews, 'reviews'),
            teams,
            author: options.author,
            headSha: options.head,
          });
        } else {
          const repo = repoOf(options.repo);
          const client = github();
          const { author, headSha } = await client.pullRequest(repo, pr);
          if (headSha !== order.head)
            throw new Error(
              `the release order is of ${order.head.slice(0, 12)}, but pull request #${pr} is now at ${headSha.slice(0, 12)}; compute it again`,
            );
          verdict = evaluateApprovals({
            order,
            reviews: await client.reviews(repo, pr),
            teams: await teamMembers(order),
            author,
            headSha,
          });
          if (options.status) {
            const failing = verdict.environments.filter((e) => !e.ok).map((e) => `${e.env}: ${e.reason}`);
            const description = verdict.ok
              ? 'every environment has its approvals'
              : (failing[0] ?? 'refused by the release guards');
            await client.setStatus(repo, headSha, {
              state: verdict.ok ? 'success' : 'failure',
              context: APPROVALS_STATUS,
              description,
            });
          }
        }
        process.stdout.write(formatVerdict(verdict));
        if (!verdict.ok) process.exitCode = 1;
      },
    );

  delivery
    .command('comment')
    .description(
      'post the release order as pull request comments, editing earlier ones (split when longer than GitHub allows)',
    )
    .requiredOption('--file <file>', 'output of release-order --format md')
    .requiredOption('--pr <number>', 'pull request number')
    .option('--repo <owner/name>', 'repository (default: GITHUB_REPOSITORY)')
    .option('--bot <login>', 'the account the token posts as; only its comments are edited or deleted', COMMENT_BOT)
    .action(async (options: { file: string; pr: string; repo?: string; bot: string }) => {
      const markdown = readFileSync(options.file, 'utf8');
      const repo = repoOf(options.repo);
      const pr = positiveInt(options.pr, '--pr');
      const client = github();
      const plan = planComments(await client.comments(repo, pr), releaseOrderComments(markdown), options.bot);
      for (const u of plan.update) await client.updateComment(repo, u.id, u.body);
      for (const body of plan.create) await client.createComment(repo, pr, body);
      for (const id of plan.remove) await client.deleteComment(repo, id);
      process.stdout.write(
        `release order comments: ${plan.create.length} created, ${plan.update.length} updated, ${plan.remove.length} deleted, ${plan.unchanged} unchanged\n`,
      );
    });

  delivery
    .command('record-release')
    .description(`attach the release record (pull request, environments, approvals) to a merge commit as a git note`)
    .requiredOption('--commit <sha>', 'the merge commit')
    .requiredOption('--release-order <file>', 'output of release-order --format json for the merge')
    .option('--pr <number>', 'the pull request (default: asked from GitHub when GITHUB_TOKEN is set)')
    .option('--repo <owner/name>', 'repository (default: GITHUB_REPOSITORY)')
    .action(async (options: { commit: string; releaseOrder: string; pr?: string; repo?: string }) => {
      const order = readReleaseOrder(options.releaseOrder);
      const commit = revParse(root, options.commit);
      let pr = options.pr === undefined ? undefined : positiveInt(options.pr, '--pr');
      let verdict: ApprovalVerdict | undefined;
      let author: string | undefined;
      let approvedCommit: string | undefined;
      if (process.env.GITHUB_TOKEN) {
        const repo = repoOf(options.repo);
        const client = github();
        pr ??= (await client.pullRequestsOfCommit(repo, commit))[0];
        if (pr !== undefined) {
          const opened = await client.pullRequest(repo, pr);
          author = opened.author;
          approvedCommit = opened.headSha;
          const reviews = await client.reviews(repo, pr);
          const teams = await teamMembers(order);
          verdict = evaluateApprovals({ order, reviews, teams, author, headSha: opened.headSha });
        }
      }
      const note = formatReleaseNote(releaseRecord(order, pr, verdict, { author, approvedCommit }));
      recordRelease(root, commit, note);
      process.stdout.write(note);
    });

  delivery
    .command('next-promotions')
    .description('print "<app> <env>" for each promotion that follows a merged release order along the chain')
    .requiredOption('--release-order <file>', 'output of release-order --format json for the merge')
    .action(async (options: { releaseOrder: string }) => {
      const order = readReleaseOrder(options.releaseOrder);
      const environments = (await loadEnvironmentsOnly(root)).map((e) => e.spec);
      for (const p of nextPromotions(order, environments)) process.stdout.write(`${p.app} ${p.to}\n`);
    });
}

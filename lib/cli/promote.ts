/**
 * `promote`.
 */
import type { Command } from 'commander';
import { snapshotCommit } from '../git/git.ts';
import { releaseOrderMarkdown } from '../release/markdown.ts';
import { buildReleaseOrder } from '../release/order.ts';
import {
  applyPromotion,
  describePlan,
  planPromotion,
  PromotionRefused,
  type PromotionRequest,
} from '../promote/promote.ts';
import { applyFeaturePromotion, describeFeaturePlan, planFeaturePromotion } from '../promote/features.ts';
import { describePinned, pinSpecs } from '../promote/pin-specs.ts';

interface PromoteOptions {
  to: string;
  from?: string;
  all?: boolean;
  version?: string;
  digest?: string;
  rollback?: boolean;
  force?: boolean;
  reason?: string;
  commit?: boolean;
  ref?: string;
  prometheus?: string;
  feature?: string;
}

/** Registers `promote` on `program`. */
export function promoteCommands(program: Command, root: string): void {
  program
    .command('promote')
    .description(
      'pin in ENV the artifact its upstream environment runs (tag and digest), re-render, and print the release order of the change',
    )
    .argument('[apps...]', 'apps to promote (a release train when several)')
    .requiredOption('--to <env>', 'target environment (prod also releases dr, its second wave)')
    .option('--from <env>', 'source environment, only for a hotfix path declared in the target policy')
    .option('--all', 'every app whose upstream version differs')
    .option('--version <tag>', 'a new build into the first environment, or the version to roll back to')
    .option('--digest <sha256>', 'digest of a new build')
    .option('--rollback', 'pin the previous (or --version) pin of the target again')
    .option('--force', 'skip the soak time and verified gates (never freezes or provenance); needs --reason')
    .option('--reason <text>', 'why --force is used; recorded in the commit')
    .option(
      '--feature <flag>',
      'turn platform flag FLAG on in ENV (off with --rollback), behind the upstream, soak and freeze gates; no apps',
    )
    .option(
      '--commit',
      'create branch promote/<env>/<app>-<version> (promote/<env>/feature-<flag>) with one commit (refuses a dirty work tree)',
    )
    .option('--ref <rev>', 'revision whose upstream pins count as running (default: main)')
    .option(
      '--prometheus <url>',
      'Prometheus of the upstream environment for the verified gate (default: its observability.prometheus.url)',
    )
    .action(async (apps: string[], options: PromoteOptions) => {
      const { applied, changed, summary } =
        options.feature === undefined
          ? await promoteApps(root, apps, options)
          : await promoteFeature(root, options.feature, apps, options);
      process.stdout.write(`${summary}\n`);
      if (changed) {
        const head = applied.commit ?? snapshotCommit(root, 'promotion (uncommitted)');
        const order = await buildReleaseOrder(root, `${head}^`, head);
        process.stdout.write(`\n${releaseOrderMarkdown(order).join('\n')}\n`);
      }
      if (applied.branch) {
        process.stdout.write(
          `\ncommitted ${applied.commit?.slice(0, 12)} on branch ${applied.branch}\nnext: git push -u origin ${applied.branch} and open a pull request; its release order is computed there\n`,
        );
      } else if (changed) {
        process.stdout.write(
          `\n${options.feature === undefined ? 'versions' : 'features'} files and manifests/ updated in the work tree (use --commit to record them on a promotion branch)\n`,
        );
      }
    });
  program
    .command('pin-specs')
    .description(
      "pin in every environment but the chain's entry the spec it renders today (apps/<app>.ts as committed); changes no manifest",
    )
    .action(async () => {
      process.stdout.write(describePinned(await pinSpecs(root)));
    });
}

/** What one promotion did, for the command's report. */
interface Promoted {
  readonly applied: { readonly commit?: string; readonly branch?: string };
  readonly changed: boolean;
  readonly summary: string;
}

async function promoteApps(root: string, apps: string[], options: PromoteOptions): Promise<Promoted> {
  const request: PromotionRequest = { apps, ...options };
  const plan = await planPromotion(root, request);
  const applied = await applyPromotion(root, plan, request, { commit: options.commit });
  return { applied, changed: plan.changes.length > 0, summary: describePlan(plan, root) };
}

async function promoteFeature(root: string, flag: string, apps: string[], options: PromoteOptions): Promise<Promoted> {
  const extra = [
    ...(apps.length > 0 ? [`apps (${apps.join(', ')})`] : []),
    ...(options.all ? ['--all'] : []),
    ...(options.version !== undefined ? ['--version'] : []),
    ...(options.digest !== undefined ? ['--digest'] : []),
  ];
  if (extra.length > 0) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `--feature moves a platform flag, not apps; got ${extra.join(', ')} as well`,
        remedy: 'promote the flag and the apps in separate commands',
      },
    ]);
  }
  const request = { ...options, flag };
  const plan = await planFeaturePromotion(root, request);
  const applied = await applyFeaturePromotion(root, plan, request, { commit: options.commit });
  return { applied, changed: plan.changes.length > 0, summary: describeFeaturePlan(plan) };
}

/**
 * `promote`.
 */
import type { Command } from 'commander';
import { snapshotCommit } from '../git/git.ts';
import { releaseOrderMarkdown } from '../release/markdown.ts';
import { buildReleaseOrder } from '../release/order.ts';
import { applyPromotion, describePlan, planPromotion, type PromotionRequest } from '../promote/promote.ts';
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
    .option('--commit', 'create branch promote/<env>/<app>-<version> with one commit (refuses a dirty work tree)')
    .option('--ref <rev>', 'revision whose upstream pins count as running (default: main)')
    .option(
      '--prometheus <url>',
      'Prometheus of the upstream environment for the verified gate (default: its observability.prometheus.url)',
    )
    .action(async (apps: string[], options: PromoteOptions) => {
      const request: PromotionRequest = { apps, ...options };
      const plan = await planPromotion(root, request);
      const applied = await applyPromotion(root, plan, request, { commit: options.commit });
      process.stdout.write(`${describePlan(plan, root)}\n`);
      if (plan.changes.length > 0) {
        const head = applied.commit ?? snapshotCommit(root, 'promotion (uncommitted)');
        const order = await buildReleaseOrder(root, `${head}^`, head);
        process.stdout.write(`\n${releaseOrderMarkdown(order).join('\n')}\n`);
      }
      if (applied.branch) {
        process.stdout.write(
          `\ncommitted ${applied.commit?.slice(0, 12)} on branch ${applied.branch}\nnext: git push -u origin ${applied.branch} and open a pull request; its release order is computed there\n`,
        );
      } else if (plan.changes.length > 0) {
        process.stdout.write(
          '\nversions files and manifests/ updated in the work tree (use --commit to record them on a promotion branch)\n',
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

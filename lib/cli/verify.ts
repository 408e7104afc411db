/**
 * `verify`: the metric verdict on the new revision of an app in an environment
 * against the stable one, for the manual gate between rollout batches.
 * Exit 0 pass, 1 fail (or no answer from Prometheus), 2 inconclusive.
 */
import type { Command } from 'commander';
import { mainOrHead } from '../git/git.ts';
import { batchVersions } from '../promote/verified.ts';
import { closest } from '../spec/problems.ts';
import { loadProject, runsIn } from '../spec/project.ts';
import {
  describeVerification,
  verifyVersion,
  VerificationImpossible,
  VERIFICATION_DEFAULTS,
} from '../verify/verify.ts';
import { wholeNumber } from './options.ts';

interface VerifyOptions {
  env: string;
  app: string;
  json?: boolean;
  prometheus?: string;
  window?: number;
  ref?: string;
}

/** Exit code of each verdict. */
const EXIT = { pass: 0, fail: 1, inconclusive: 2 } as const;

/** Registers `verify` on `program`. */
export function verifyCommands(program: Command, root: string): void {
  program
    .command('verify')
    .description(
      "judge the app's pinned version against the previous one from Prometheus: exit 0 pass, 1 fail, 2 inconclusive",
    )
    .requiredOption('--env <env>', 'environment whose Prometheus is asked')
    .requiredOption('--app <app>', 'app name (apps/<app>.ts)')
    .option('--json', 'print the verdict as JSON')
    .option('--prometheus <url>', "Prometheus base URL (default: the environment's observability.prometheus.url)")
    .option(
      '--window <minutes>',
      'minutes to judge, ending now (default: observability.verification.batchWindowMinutes)',
      wholeNumber(1),
    )
    .option('--ref <rev>', 'revision whose history gives the previous version (default: main)')
    .action(async (options: VerifyOptions) => {
      const project = await loadProject(root);
      const env = project.environments.find((e) => e.spec.name === options.env)?.spec;
      if (!env) {
        const names = project.environments.map((e) => e.spec.name as string);
        const guess = closest(options.env, names);
        throw new Error(
          `--env '${options.env}' is no environment.` +
            ` Fix: ${guess ? `did you mean '${guess}'? ` : ''}use one of: ${names.join(', ')}`,
        );
      }
      const loaded = project.environments.find((e) => e.spec.name === options.env)!;
      // The spec the environment runs: its pinned text, or the work tree's in the chain's entry.
      const app = loaded.pinnedSpecs.get(options.app) ?? project.apps.find((a) => a.spec.name === options.app);
      if (!app) {
        const guess = closest(
          options.app,
          project.apps.map((a) => a.spec.name),
        );
        throw new Error(
          `--app '${options.app}' is no app.` +
            ` Fix: ${guess ? `did you mean '${guess}'?` : 'use the name of a file in apps/'}`,
        );
      }
      const versions = runsIn(app.spec, env.name)
        ? batchVersions(root, options.ref ?? mainOrHead(root), env.name, app.spec.name)
        : undefined;
      if (!versions)
        throw new Error(
          `${options.app} is not pinned in ${env.name} (environments/${env.name}/versions.json).` +
            ' Fix: pick an environment it runs in',
        );
      const minutes =
        options.window ??
        env.observability.verification?.batchWindowMinutes ??
        VERIFICATION_DEFAULTS.batchWindowMinutes;
      try {
        const result = await verifyVersion({
          app: app.spec,
          env,
          candidate: versions.candidate,
          ...(versions.baseline !== undefined ? { baseline: versions.baseline } : {}),
          now: new Date(),
          windowSeconds: minutes * 60,
          ...(options.prometheus !== undefined ? { prometheusUrl: options.prometheus } : {}),
        });
        const remedy =
          result.outcome === 'fail'
            ? 'do not continue the rollout: roll back' +
              ` (npm run -s promote -- ${app.spec.name} --to ${env.name} --rollback)`
            : `wait for more traffic on the new pods (at least ${result.thresholds.minRequests} requests),` +
              ' then run verify again';
        process.stdout.write(
          options.json ? `${JSON.stringify(result, null, 2)}\n` : `${describeVerification(result, remedy)}\n`,
        );
        process.exitCode = EXIT[result.outcome];
      } catch (error) {
        if (!(error instanceof VerificationImpossible)) throw error;
        throw new Error(`${error.message}. Fix: ${error.remedy}`);
      }
    });
}

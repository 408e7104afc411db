/**
 * `heapdump`: prints the commands that take a heap dump of a JVM app in one
 * environment. It only prints; it never contacts a cluster.
 */
import type { Command } from 'commander';
import { heapDumpCommands, heapDumpsEnabled } from '../observability/heapdump.ts';
import { closest } from '../spec/problems.ts';
import { loadProject, resolveProject, runsIn } from '../spec/project.ts';

/** Registers the diagnostics commands on `program`. */
export function diagnosticsCommands(program: Command, root: string): void {
  program
    .command('heapdump')
    .description('print the kubectl commands that take a heap dump of a JVM app in an environment (prints only)')
    .argument('<app>', 'app name (apps/<app>.ts)')
    .requiredOption('--env <env>', 'environment the app runs in')
    .action(async (appName: string, options: { env: string }) => {
      const project = await loadProject(root);
      const envNames = project.environments.map((e) => e.spec.name as string);
      if (!envNames.includes(options.env)) {
        const guess = closest(options.env, envNames);
        throw new Error(
          `--env '${options.env}' is no environment. Fix: ${guess ? `did you mean '${guess}'? ` : ''}use one of: ${envNames.join(', ')}`,
        );
      }
      const app = project.apps.find((a) => a.spec.name === appName);
      if (!app) {
        const guess = closest(
          appName,
          project.apps.map((a) => a.spec.name),
        );
        throw new Error(
          `'${appName}' is no app. Fix: ${guess ? `did you mean '${guess}'?` : 'use the name of a file in apps/'}`,
        );
      }
      if (!runsIn(app.spec, options.env as never)) {
        throw new Error(
          `${appName} does not run in ${options.env} (see environments in ${app.file}). Fix: pick an environment it runs in: ${(app.spec.environments ?? []).join(', ')}`,
        );
      }
      const resolved = resolveProject(project).find((a) => a.name === appName && a.environment.name === options.env)!;
      if (!heapDumpsEnabled(resolved)) {
        const why =
          resolved.runtime !== 'spring-boot'
            ? `runs on '${resolved.runtime}', not a JVM`
            : 'is a cronjob, whose pod ends with its JVM';
        throw new Error(
          `${appName} ${why}: heap dumps are for long-running spring-boot apps. Fix: pick a JVM service or worker`,
        );
      }
      process.stdout.write(heapDumpCommands(resolved));
    });
}

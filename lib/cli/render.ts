/**
 * `synth` and `validate`.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { wholeNumber } from './options.ts';

/** Registers the render commands on `program`. */
export function renderCommands(program: Command, root: string): void {
  program
    .command('synth')
    .description('render all environments into manifests/ (validated, written atomically, stale files pruned)')
    .option('--check', 'write nothing; exit 1 and list the files if manifests/ is stale')
    .option('--no-cache', 'render everything, ignoring and not updating .render-cache/')
    .option(
      '--workers <n>',
      'worker threads besides the main thread (default: cores - 1 for large renders)',
      wholeNumber(0),
    )
    .action(async (options: { check?: boolean; cache: boolean; workers?: number }) => {
      // Loaded on use, so other commands start without the construct libraries.
      const { synth } = await import('../render/synth.ts');
      const result = await synth(root, { check: options.check, cache: options.cache, workers: options.workers });
      const { changed, added, removed } = result.diff;
      const stale = [
        ...added.map((f) => `added    ${f}`),
        ...changed.map((f) => `changed  ${f}`),
        ...removed.map((f) => `removed  ${f}`),
      ];
      if (options.check) {
        if (stale.length > 0) {
          process.stderr.write(
            `manifests/ is stale (${stale.length} file(s)); run \`npm run synth\` and commit the result:\n${stale.map((s) => `  ${s}`).join('\n')}\n`,
          );
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`manifests/ is up to date (${result.files} files, ${result.objects} objects)\n`);
        return;
      }
      process.stdout.write(
        `rendered ${result.objects} objects into ${result.files} files (${result.rendered} app renders, ${result.reused} from cache): ${added.length} added, ${changed.length} changed, ${removed.length} removed\n`,
      );
    });

  program
    .command('validate')
    .description(
      'check manifests/ against the Kubernetes schemas and the platform policy,' +
        ' and its alert rules with promtool when installed',
    )
    .action(async () => {
      const { loadEnvironmentsOnly } = await import('../spec/project.ts');
      const { formatViolations, validateManifestDir } = await import('../validate/validate.ts');
      const { MANIFESTS_DIR } = await import('../render/synth.ts');
      const environments = await loadEnvironmentsOnly(root);
      const specs = new Map(environments.map((e) => [e.spec.name as string, e.spec]));
      const checked = validateManifestDir(join(root, MANIFESTS_DIR), specs);
      const files = checked.files;
      // promtool runs here only, never in synth or the bench: it is an outside tool, and slow to start.
      const { checkPrometheusRules, describePromtool } = await import('../validate/promtool.ts');
      const started = Date.now();
      const promtool = checkPrometheusRules(files);
      const promtoolLine = `${describePromtool(promtool, Date.now() - started)}\n`;
      const violations = [...checked.violations, ...promtool.violations];
      const objects = files.reduce((n, f) => n + f.objects.length, 0);
      if (violations.length > 0) {
        const listed = formatViolations(violations);
        process.stderr.write(`${promtoolLine}${violations.length} violation(s) in manifests/:\n${listed}\n`);
        process.exitCode = 1;
        return;
      }
      if (files.length === 0) {
        process.stderr.write('manifests/ is empty; run `npm run synth` first\n');
        process.exitCode = 1;
        return;
      }
      const summary = `${objects} objects in ${files.length} files across ${specs.size} environments`;
      process.stdout.write(`${promtoolLine}manifests/ is valid: ${summary}\n`);
    });
}

/**
 * `synth` and `validate`.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { MANIFESTS_DIR, synth } from '../render/synth.ts';
import { loadEnvironmentsOnly } from '../spec/project.ts';
import { formatViolations, readManifests, validateFiles, validateIndexes } from '../validate/validate.ts';

/** Registers the render commands on `program`. */
export function renderCommands(program: Command, root: string): void {
  program
    .command('synth')
    .description('render all environments into manifests/ (validated, written atomically, stale files pruned)')
    .option('--check', 'write nothing; exit 1 and list the files if manifests/ is stale')
    .action(async (options: { check?: boolean }) => {
      const result = await synth(root, { check: options.check });
      const { changed, added, removed } = result.diff;
      const stale = [...added.map((f) => `added    ${f}`), ...changed.map((f) => `changed  ${f}`), ...removed.map((f) => `removed  ${f}`)];
      if (options.check) {
        if (stale.length > 0) {
          process.stderr.write(`manifests/ is stale (${stale.length} file(s)); run \`npm run synth\` and commit the result:\n${stale.map((s) => `  ${s}`).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`manifests/ is up to date (${result.files} files, ${result.objects} objects)\n`);
        return;
      }
      process.stdout.write(`rendered ${result.objects} objects into ${result.files} files: ${added.length} added, ${changed.length} changed, ${removed.length} removed\n`);
    });

  program
    .command('validate')
    .description('check manifests/ against the Kubernetes schemas and the platform policy')
    .action(async () => {
      const environments = await loadEnvironmentsOnly(root);
      const files = readManifests(join(root, MANIFESTS_DIR));
      const specs = new Map(environments.map((e) => [e.spec.name as string, e.spec]));
      const violations = [...validateFiles(files, specs), ...validateIndexes(files)];
      const objects = files.reduce((n, f) => n + f.objects.length, 0);
      if (violations.length > 0) {
        process.stderr.write(`${violations.length} violation(s) in manifests/:\n${formatViolations(violations)}\n`);
        process.exitCode = 1;
        return;
      }
      if (files.length === 0) {
        process.stderr.write('manifests/ is empty; run `npm run synth` first\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`manifests/ is valid: ${objects} objects in ${files.length} files across ${specs.size} environments\n`);
    });
}

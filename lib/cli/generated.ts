/**
 * Writing or checking generated files from the command line (`pipelines`,
 * `argocd`): what is stale is listed and fails the command.
 */
import {
  diffGenerated,
  formatDiff,
  isClean,
  writeGenerated,
  type GeneratedFile,
  type OwnedFolder,
} from '../util/generated.ts';

/** Writes generated files, or with `check` compares them; sets the exit code on stale output. */
export function generate(
  root: string,
  command: string,
  files: readonly GeneratedFile[],
  folders: readonly OwnedFolder[],
  check: boolean | undefined,
): void {
  if (check) {
    const diff = diffGenerated(root, files, folders, command);
    if (!isClean(diff)) {
      const lines = formatDiff(diff);
      process.stderr.write(
        `${lines.length} generated file(s) are stale; run \`npm run ${command}\` and commit the result:\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${files.length} generated file(s) are up to date\n`);
    return;
  }
  const diff = writeGenerated(root, files, folders, command);
  process.stdout.write(
    `wrote ${files.length} file(s): ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed\n`,
  );
}

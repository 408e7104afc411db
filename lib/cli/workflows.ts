/**
 * `pipelines`: the GitHub Actions workflows, CODEOWNERS and allowed signers, generated.
 */
import type { Command } from 'commander';
import { ALLOWED_SIGNERS_FILE, allowedSigners, loadSigners } from '../release/signers.ts';
import { loadEnvironmentsOnly } from '../spec/project.ts';
import { generatedMarker } from '../util/generated.ts';
import { pipelineFiles, PIPELINE_FOLDERS, PIPELINES_COMMAND } from '../workflows/generate.ts';
import { loadPipeline } from '../workflows/load.ts';
import { generate } from './generated.ts';

/** Registers the `pipelines` command on `program`. */
export function workflowCommands(program: Command, root: string): void {
  program
    .command(PIPELINES_COMMAND)
    .description(
      'generate .github/workflows/*.yml and .github/CODEOWNERS from pipelines/pipeline.ts ' +
        "(validated with GitHub's workflow parser), and .github/allowed_signers from pipelines/signers.json",
    )
    .option('--check', 'write nothing; exit 1 and list the files if they are stale')
    .action(async (options: { check?: boolean }) => {
      const environments = (await loadEnvironmentsOnly(root)).map((e) => e.spec);
      const files = pipelineFiles(await loadPipeline(root, environments), environments);
      const marker = generatedMarker(PIPELINES_COMMAND);
      const signers = { path: ALLOWED_SIGNERS_FILE, content: allowedSigners(loadSigners(root), marker) };
      const folders = [...PIPELINE_FOLDERS, { dir: '.github', ext: 'allowed_signers' }];
      generate(root, PIPELINES_COMMAND, [...files, signers], folders, options.check);
    });
}

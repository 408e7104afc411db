/**
 * `argocd`: each environment's Argo CD objects, generated and checked.
 */
import type { Command } from 'commander';
import { argocdOutput, ARGOCD_COMMAND } from '../argocd/files.ts';
import { generate } from './generated.ts';

/** Registers the `argocd` command on `program`. */
export function argocdCommands(program: Command, root: string): void {
  program
    .command(ARGOCD_COMMAND)
    .description(
      "render each environment's Argo CD objects into delivery/argocd/ (schemas and Argo CD's admission rules checked)",
    )
    .option('--check', 'write nothing; exit 1 and list the files if they are stale')
    .action(async (options: { check?: boolean }) => {
      const { files, folders } = await argocdOutput(root);
      generate(root, ARGOCD_COMMAND, files, folders, options.check);
    });
}

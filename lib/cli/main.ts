#!/usr/bin/env node
/**
 * Command-line entry point: argument parsing and wiring only.
 * Each command lives in its concern's folder under `lib/`.
 */
import { Command, CommanderError } from 'commander';
import { join } from 'node:path';
import { promoteCommands } from './promote.ts';
import { releaseCommands } from './release.ts';
import { deliveryCommands } from './delivery.ts';
import { renderCommands } from './render.ts';
import { diagnosticsCommands } from './diagnostics.ts';

/** Exit code for a failed check or invalid input. */
export const EXIT_FAILURE = 1;
/** Exit code for wrong usage. */
export const EXIT_USAGE = 2;

/** Builds the program; `root` is the repository the commands act on. */
export function buildProgram(root: string): Command {
  const program = new Command('platform')
    .description('Typed app specs → Kubernetes manifests for six environments, released through pull requests.')
    .exitOverride()
    .showHelpAfterError();
  renderCommands(program, root);
  promoteCommands(program, root);
  diagnosticsCommands(program, root);
  releaseCommands(program, root);
  deliveryCommands(program, root);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], root = process.env.PLATFORM_ROOT ?? process.cwd()): Promise<number> {
  const program = buildProgram(root);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    process.stderr.write(`${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

const invoked = process.argv[1] ? join(process.argv[1]) : '';
if (invoked.endsWith(join('lib', 'cli', 'main.ts'))) {
  process.exitCode = await main(process.argv.slice(2));
}

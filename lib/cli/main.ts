#!/usr/bin/env node
/**
 * Command-line entry point: argument parsing and wiring only.
 * Each command lives in its concern's folder under `lib/`.
 */
import { Command, CommanderError } from 'commander';
import { join } from 'node:path';

/** A module registering some commands. */
type Registrar = (program: Command, root: string) => void;

/**
 * Which module registers which commands. Only the module of the command being
 * run is loaded (all of them for help or an unknown command), so a command
 * starts without the libraries of the others.
 */
const REGISTRARS: readonly { commands: readonly string[]; load: () => Promise<Registrar> }[] = [
  { commands: ['synth', 'validate'], load: async () => (await import('./render.ts')).renderCommands },
  { commands: ['promote', 'pin-specs'], load: async () => (await import('./promote.ts')).promoteCommands },
  { commands: ['verify'], load: async () => (await import('./verify.ts')).verifyCommands },
  { commands: ['heapdump'], load: async () => (await import('./diagnostics.ts')).diagnosticsCommands },
  { commands: ['release-order', 'audit'], load: async () => (await import('./release.ts')).releaseCommands },
  { commands: ['bench'], load: async () => (await import('./bench.ts')).benchCommands },
  { commands: ['site'], load: async () => (await import('./site.ts')).siteCommands },
  { commands: ['pipelines'], load: async () => (await import('./workflows.ts')).workflowCommands },
  { commands: ['argocd'], load: async () => (await import('./argocd.ts')).argocdCommands },
  { commands: ['delivery'], load: async () => (await import('./delivery.ts')).deliveryCommands },
];

/** Exit code for a failed check or invalid input. */
export const EXIT_FAILURE = 1;
/** Exit code for wrong usage. */
export const EXIT_USAGE = 2;

/**
 * Builds the program for `command` (every command when it is `undefined` or unknown); `root` is the repository the
 * commands act on.
 */
export async function buildProgram(root: string, command?: string): Promise<Command> {
  const program = new Command('platform')
    .description('Typed app specs → Kubernetes manifests for six environments, released through pull requests.')
    .exitOverride()
    .showHelpAfterError();
  const known = REGISTRARS.filter((r) => command !== undefined && r.commands.includes(command));
  for (const registrar of known.length > 0 ? known : REGISTRARS) (await registrar.load())(program, root);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(
  argv: readonly string[],
  root = process.env.PLATFORM_ROOT ?? process.cwd(),
): Promise<number> {
  const program = await buildProgram(root, argv[0]);
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

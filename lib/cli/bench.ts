/**
 * `bench`.
 */
import type { Command } from 'commander';
import { wholeNumber } from './options.ts';

/** Registers `bench` on `program`. */
export function benchCommands(program: Command, root: string): void {
  program
    .command('bench')
    .description(
      'render benchmark: N generated apps x every environment, incremental renders, a release order, and the baselines',
    )
    .requiredOption('--apps <n>', 'number of generated apps', wholeNumber(1))
    .option('--json', 'print the report as JSON')
    .option(
      '--workers <n>',
      'worker threads besides the main thread (default: cores - 1 for large renders)',
      wholeNumber(0),
    )
    .option(
      '--runs <n>',
      'full renders per size, each in a fresh process; the median is reported (default: 3)',
      wholeNumber(1),
    )
    .option('--skip-cdk8s', 'skip the single cdk8s App baseline (quadratic: minutes at 1000 apps)')
    .option('--skip-kustomize', 'skip the kubectl kustomize baseline')
    .action(
      async (options: {
        apps: number;
        json?: boolean;
        workers?: number;
        runs?: number;
        skipCdk8s?: boolean;
        skipKustomize?: boolean;
      }) => {
        const { formatBench, runBench } = await import('../bench/bench.ts');
        const tty = process.stderr.isTTY;
        const progress = (line: string) => {
          if (tty) process.stderr.write(`\r\x1b[K${line}`);
        };
        const report = await runBench(root, { ...options, progress });
        if (tty) process.stderr.write('\r\x1b[K');
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatBench(report)}\n`);
      },
    );
}

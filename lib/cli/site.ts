/**
 * `site`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { wholeNumber } from './options.ts';

interface SiteCommandOptions {
  out: string;
  ref: string;
  now?: Date;
  prUrl?: string;
  serve?: boolean;
  port?: number;
  measure?: number;
}

/** Parses `--now`: an ISO 8601 time with its offset. */
function isoTime(value: string): Date {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(t)) {
    throw new InvalidArgumentError('expected an ISO 8601 time with its offset, such as 2026-03-02T09:00:00Z.');
  }
  return new Date(t);
}

/** Registers `site` on `program`. */
export function siteCommands(program: Command, root: string): void {
  program
    .command('site')
    .description(
      'static fleet page: environment x app matrix, release history, DORA metrics and freeze calendar, from git',
    )
    .option('--out <dir>', 'output folder (index.html is written there)', 'site')
    .option('--ref <rev>', 'revision whose first-parent history is the release history', 'HEAD')
    .option(
      '--now <time>',
      'compute states, ages, soak and freezes for this time instead of the clock (ISO 8601)',
      isoTime,
    )
    .option(
      '--pr-url <template>',
      "link pull requests, {n} standing for the number ('https://github.com/org/repo/pull/{n}')",
    )
    .option('--serve', 'after the build, serve the folder on 127.0.0.1 until stopped')
    .option('--port <n>', 'port of --serve (0: any free port)', wholeNumber(0), 8080)
    .option(
      '--measure <apps>',
      'measure instead: build time, size and search latency for N generated apps',
      wholeNumber(1),
    )
    .action(async (options: SiteCommandOptions) => {
      if (options.measure !== undefined) {
        const { formatMeasurement, measureSite } = await import('../site/measure.ts');
        const say = (line: string) => process.stderr.write(`${line}\n`);
        process.stdout.write(`${formatMeasurement(await measureSite(root, options.measure, 4, say))}\n`);
        return;
      }
      if (options.prUrl !== undefined && !options.prUrl.includes('{n}')) {
        throw new Error(
          `--pr-url '${options.prUrl}': has no {n} for the pull request number; ` +
            "write it as 'https://github.com/org/repo/pull/{n}'",
        );
      }
      const { buildSite } = await import('../site/build.ts');
      const result = await buildSite(root, {
        out: options.out,
        ref: options.ref,
        ...(options.now ? { now: options.now } : {}),
        ...(options.prUrl ? { pullRequestUrl: options.prUrl } : {}),
      });
      process.stdout.write(
        `wrote ${result.file}: ${result.apps} apps x ${result.environments} environments, ` +
          `${(result.bytes / 1024 / 1024).toFixed(2)} MB, in ${(result.ms / 1000).toFixed(2)} s\n`,
      );
      if (options.serve) {
        const { serveFolder } = await import('../site/serve.ts');
        const server = await serveFolder(result.file.slice(0, -'/index.html'.length), options.port ?? 8080);
        process.stdout.write(`serving on ${server.url} (Ctrl-C stops)\n`);
        await new Promise<void>((done) => process.once('SIGINT', () => server.close().then(done)));
      }
    });
}

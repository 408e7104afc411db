/**
 * `npm run site`: the fleet page, one self-contained `index.html` (data,
 * CSS and script inline) written atomically into the output folder.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomic } from '../util/fs.ts';
import { collectSite, type CollectOptions } from './collect.ts';
import { renderPage } from './render.ts';

/** The page's script source, relative to the platform's root. */
const CLIENT = join('lib', 'site', 'client.ts');

/** Options of `buildSite`. */
export interface SiteOptions extends CollectOptions {
  /**
   * Output folder, relative to the repository.
   * @default 'site'
   */
  readonly out?: string;
  /**
   * Link of a pull request, `{n}` standing for its number.
   * @default - pull requests are named, not linked
   */
  readonly pullRequestUrl?: string;
}

/** What `buildSite` wrote. */
export interface SiteResult {
  /** Absolute path of `index.html`. */
  readonly file: string;
  readonly bytes: number;
  readonly apps: number;
  readonly environments: number;
  /** Wall time of the build, in milliseconds. */
  readonly ms: number;
}

/**
 * The source of the page's script. Found from this module's place, whether it runs
 * from `lib/site/` or from the platform build under `.render-cache/build/<hash>/`.
 */
export function clientSource(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, CLIENT);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`the fleet page's script ${CLIENT} was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The page's script, bundled and minified for browsers. */
export async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [clientSource()],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Builds the fleet page of the repository at `root` into `<out>/index.html`. */
export async function buildSite(root: string, options: SiteOptions = {}): Promise<SiteResult> {
  const started = performance.now();
  const [data, script] = await Promise.all([collectSite(root, options), bundleClient()]);
  const html = renderPage(data, {
    script,
    ...(options.pullRequestUrl ? { pullRequestUrl: options.pullRequestUrl } : {}),
  });
  const file = join(resolve(root, options.out ?? 'site'), 'index.html');
  writeAtomic(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    apps: data.apps.length,
    environments: data.environments.length,
    ms: performance.now() - started,
  };
}

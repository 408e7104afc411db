#!/usr/bin/env node
/**
 * What `npm run <command>` runs: the command line from the platform build
 * (`lib/util/build.mjs`), compiled first when the platform code changed.
 * Where the build cannot be made, the TypeScript sources run through the
 * `tsx` loader instead, slower but the same.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { PLATFORM_ROOT, holdBuild, platformBuild } from '../util/build.mjs';

async function loadMain() {
  let built;
  try {
    built = await platformBuild(PLATFORM_ROOT);
  } catch (error) {
    process.emitWarning(`the platform build could not be made (${describe(error)}); running the TypeScript sources`);
    const { register } = await import('tsx/esm/api');
    register();
    return import('./main.ts');
  }
  holdBuild(built);
  return import(pathToFileURL(join(built, 'main.mjs')).href);
}

/** An error in a line: esbuild's first error with its place in the source, or the first line of any other. */
function describe(error) {
  const first = error.errors?.[0];
  if (first?.location) return `${first.location.file}:${first.location.line}:${first.location.column}: ${first.text}`;
  return String(error.message).split('\n')[0];
}

// Output piped into a reader that stops early (`| head`) ends the command quietly, as it would a Unix tool.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));

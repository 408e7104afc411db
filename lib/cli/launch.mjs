#!/usr/bin/env node
/**
 * What `npm run <command>` runs: the command line from the platform build
 * (`lib/util/build.mjs`), compiled first when the platform code changed.
 * Where the build cannot be made, the TypeScript sources run through the
 * `tsx` loader instead, slower but the same.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { platformBuild } from '../util/build.mjs';

const platformRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

async function loadMain() {
  let built;
  try {
    built = await platformBuild(platformRoot);
  } catch (error) {
    process.emitWarning(`the platform build could not be made (${error.message.split('\n')[0]}); running the TypeScript sources`);
    const { register } = await import('tsx/esm/api');
    register();
    return import('./main.ts');
  }
  return import(pathToFileURL(join(built, 'main.mjs')).href);
}

// Output piped into a reader that stops early (`| head`) ends the command quietly, as it would a Unix tool.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));

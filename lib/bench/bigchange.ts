/**
 * Changes that touch every app of a generated repository, for the release-order
 * benchmark: an environment's policy that reaches every workload of that
 * environment (its preStop delay), and an edit of every app spec (a new env
 * var) with every environment's spec pins moved to it, which changes every app
 * in every environment (the largest release order there is: one the chain rule
 * refuses unless a `Chain-Override` trailer lets it through).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blobId } from '../git/git.ts';
import { formatPins, type Pins } from '../promote/versions.ts';

/** Raises the preStop delay in `environments/<env>/environment.ts` by 5 s: every workload of `env` changes. */
export function raisePreStop(root: string, env: string): void {
  const file = join(root, 'environments', env, 'environment.ts');
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/preStopSeconds: (\d+)/, (_, n: string) => `preStopSeconds: ${Number(n) + 5}`);
  if (next === text) throw new Error(`${file}: no 'preStopSeconds' to raise; the benchmark's big change needs one`);
  writeFileSync(file, next);
}

/**
 * Adds the env var `name` = `value` to every app spec under `apps/`, and moves every spec pin of every
 * environment to the new text: every app changes in every environment.
 */
export function addEnvToEveryApp(root: string, name: string, value: string): number {
  const dir = join(root, 'apps');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  const blobs = new Map<string, string>();
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const next = text.replace(/"env": \{/, `"env": {\n    ${JSON.stringify(name)}: ${JSON.stringify(value)},`);
    if (next === text) throw new Error(`apps/${f}: no 'env' to extend; the benchmark's big change needs one`);
    writeFileSync(join(dir, f), next);
    blobs.set(f.slice(0, -'.ts'.length), blobId(next));
  }
  const environments = join(root, 'environments');
  for (const env of readdirSync(environments)) {
    const file = join(environments, env, 'versions.json');
    const pins = JSON.parse(readFileSync(file, 'utf8')) as Pins;
    for (const [app, pin] of Object.entries(pins))
      if (pin.spec !== undefined) pins[app] = { ...pin, spec: blobs.get(app) ?? pin.spec };
    writeFileSync(file, formatPins(pins));
  }
  return files.length;
}

/**
 * Changes that touch every app of a generated repository, for the release-order
 * benchmark: an environment's policy that reaches every workload of that
 * environment (its preStop delay), and an edit of every app spec (a new env
 * var), which changes every app in every environment.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Raises the preStop delay in `environments/<env>/environment.ts` by 5 s: every workload of `env` changes. */
export function raisePreStop(root: string, env: string): void {
  const file = join(root, 'environments', env, 'environment.ts');
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/preStopSeconds: (\d+)/, (_, n: string) => `preStopSeconds: ${Number(n) + 5}`);
  if (next === text) throw new Error(`${file}: no 'preStopSeconds' to raise; the benchmark's big change needs one`);
  writeFileSync(file, next);
}

/** Adds the env var `name` = `value` to every app spec under `apps/`: every app changes in every environment. */
export function addEnvToEveryApp(root: string, name: string, value: string): number {
  const dir = join(root, 'apps');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const next = text.replace(/"env": \{/, `"env": {\n    ${JSON.stringify(name)}: ${JSON.stringify(value)},`);
    if (next === text) throw new Error(`apps/${f}: no 'env' to extend; the benchmark's big change needs one`);
    writeFileSync(join(dir, f), next);
  }
  return files.length;
}

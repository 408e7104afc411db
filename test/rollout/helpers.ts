/**
 * Helpers of the rollout tests: throwaway repositories whose apps are rendered
 * exactly as `synth` renders them, and edits of their environment files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApp } from '../../lib/render/render.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { tempRepo } from '../fixture.ts';

/** A throwaway repository holding `apps`, removed after the test. */
export function repo(apps: Record<string, unknown>): string {
  return tempRepo({ apps });
}

/** Replaces `from` by `to` in `environments/<env>/environment.ts` of `root`. */
export function editEnvironment(root: string, env: string, from: string | RegExp, to: string): void {
  const file = join(root, 'environments', env, 'environment.ts');
  const before = readFileSync(file, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${String(from)} not found in ${file}`);
  writeFileSync(file, after);
}

/** The rendered objects of `app` in `env`, and the environment. */
export async function rendered(
  root: string,
  env: string,
  app: string,
): Promise<{ objects: KubeObject[]; env: EnvironmentSpec }> {
  const resolved = resolveProject(await loadProject(root)).find((a) => a.environment.name === env && a.name === app);
  if (!resolved) throw new Error(`${app} does not run in ${env}`);
  return { objects: renderApp(resolved), env: resolved.environment };
}

/** The object of kind `kind` among `objects`. */
export function find(objects: readonly KubeObject[], kind: string): KubeObject & { spec: any } {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} in ${objects.map((x) => x.kind).join(', ')}`);
  return o as KubeObject & { spec: any };
}

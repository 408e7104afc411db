/**
 * Git repositories for promotion tests: the fixture repository committed on
 * `main` at a given time, and pins committed at given times.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { AppSpec } from '../../lib/spec/app.ts';
import { readPins, writePins } from '../../lib/promote/versions.ts';
import { digestOf, makeRepo } from '../fixture.ts';

/** Runs git in `root` with author and committer time `at`. */
export function gitAt(root: string, args: string[], at: Date): string {
  const date = at.toISOString();
  return execFileSync('git', args, {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_AUTHOR_NAME: 'Dana Dev',
      GIT_AUTHOR_EMAIL: 'dana@insure.example',
      GIT_COMMITTER_NAME: 'Dana Dev',
      GIT_COMMITTER_EMAIL: 'dana@insure.example',
    },
  });
}

/**
 * A repository with `apps`, each pinned at 1.0.0 everywhere, rendered and
 * committed on `main` at `at`; removed when the test ends.
 */
export async function committedRepo(apps: Record<string, AppSpec>, at: Date): Promise<string> {
  const repo = makeRepo({ apps });
  onTestFinished(repo.cleanup);
  writeFileSync(join(repo.root, '.gitignore'), '/lib\n/node_modules\n/.render-cache/\n');
  gitAt(repo.root, ['init', '-q', '-b', 'main'], at);
  const { synth } = await import('../../lib/render/synth.ts');
  await synth(repo.root);
  gitAt(repo.root, ['add', '-A'], at);
  gitAt(repo.root, ['commit', '-q', '-m', 'Initial state'], at);
  return repo.root;
}

/** Pins `app` at `tag` in `env` and commits the versions file on `main` at `at` (as a merged promotion would). */
export function commitPin(root: string, env: string, app: string, tag: string, at: Date): void {
  writePins(root, env, { ...readPins(root, env), [app]: { tag, digest: digestOf(`${app}:${tag}`) } });
  gitAt(root, ['commit', '-q', '-am', `pin ${app} ${tag} in ${env}`], at);
}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../lib/git/git.ts';
import { environmentsAt } from '../../lib/release/revision.ts';
import { ENVS, tempRepo } from '../fixture.ts';

/** A repository of the real environments, committed on `main`; returns its root. */
function committedRepo(): string {
  const root = tempRepo();
  writeFileSync(join(root, '.gitignore'), 'lib\nnode_modules\n.render-cache/\n');
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['config', 'commit.gpgsign', 'false']);
  commit(root, 'Environments importing #platform');
  return root;
}

function commit(root: string, message: string): string {
  const who = {
    GIT_AUTHOR_NAME: 'Alice',
    GIT_AUTHOR_EMAIL: 'a@insure.example',
    GIT_COMMITTER_NAME: 'Alice',
    GIT_COMMITTER_EMAIL: 'a@insure.example',
  };
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', message], { env: who });
  return git(root, ['rev-parse', 'HEAD']).trim();
}

/** Rewrites the environment file of `env` with `edit`. */
function editEnvironment(root: string, env: string, edit: (text: string) => string): void {
  const file = join(root, 'environments', env, 'environment.ts');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

describe('environments of a git revision', () => {
  it('GIVEN revisions importing #platform and lib/spec by path WHEN read THEN both give one policy', async () => {
    // GIVEN the environments as they are now, importing the platform through the alias
    const root = committedRepo();
    const aliased = git(root, ['rev-parse', 'HEAD']).trim();
    expect(readFileSync(join(root, 'environments', 'prod', 'environment.ts'), 'utf8')).toContain("from '#platform'");
    // AND a revision whose files import the spec module by a relative path, as older revisions do
    const byPath = (t: string) => t.replace("from '#platform'", "from '../../lib/spec/index.ts'");
    for (const env of ENVS) editEnvironment(root, env, byPath);
    const relative = commit(root, 'Environments importing lib/spec by path');

    // WHEN the policy of each revision is read
    const atAlias = await environmentsAt(root, aliased);
    const atRelative = await environmentsAt(root, relative);

    // THEN both give the six environments in promotion order, with the same facts and policy
    expect(atAlias.map((e) => e.spec.name)).toEqual([...ENVS]);
    expect(atRelative.map((e) => e.spec)).toEqual(atAlias.map((e) => e.spec));
  });

  it('GIVEN an environment Node imports on its own WHEN its revision is read THEN #platform resolves', async () => {
    // GIVEN a dev environment that also imports a Node module: the batch compile gives up, and Node imports each file
    const root = committedRepo();
    const computed = (t: string) => t.replace("name: 'dev'", "name: posix.basename('/dev')");
    editEnvironment(root, 'dev', (t) => `import { posix } from 'node:path';\n${computed(t)}`);
    const rev = commit(root, 'dev environment imports node:path');

    // WHEN the revision's environments are read
    const environments = await environmentsAt(root, rev);

    // THEN the file loaded through the alias, with the value it computes
    expect(environments.map((e) => e.spec.name)).toEqual([...ENVS]);
    expect(environments[0]!.file).toBe('environments/dev/environment.ts');
  });
});

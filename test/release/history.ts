/**
 * Scripted git histories for release tests: a `makeRepo` repository, rendered
 * by the real `synth`, committed with fixed authors and dates.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { git } from '../../lib/git/git.ts';
import { synth } from '../../lib/render/synth.ts';
import { appSource, digestOf, ENVS, makeRepo } from '../fixture.ts';

/** A person committing in a scripted history. */
export interface Person {
  readonly name: string;
  readonly email: string;
}

/** Default committer of scripted commits. */
export const ALICE: Person = { name: 'Alice Ops', email: 'alice@insure.example' };
/** Second person, for merges and approvals. */
export const BOB: Person = { name: 'Bob Release', email: 'bob@insure.example' };

/** A repository with helpers to change specs, render and commit. */
export class History {
  /** Minutes added to the clock per commit, so dates are fixed and ordered. */
  private clock = 0;

  private constructor(
    public readonly root: string,
    public readonly cleanup: () => void,
  ) {}

  /** A repository on branch `main` with `apps` rendered and committed as the first commit. */
  static async create(apps: Record<string, unknown>): Promise<History> {
    const { root, cleanup } = makeRepo({ apps });
    writeFileSync(join(root, '.gitignore'), 'lib\nnode_modules\n.render-cache/\n');
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['config', 'commit.gpgsign', 'false']);
    const h = new History(root, cleanup);
    await h.synth();
    h.commit('Initial render');
    return h;
  }

  /** Runs git in the repository with the scripted clock and `who` as author and committer. */
  git(args: readonly string[], who: Person = ALICE): string {
    return this.gitAt(args, who, new Date(Date.UTC(2026, 2, 2, 9, 0, 0) + this.clock * 60_000).toISOString());
  }

  /** Runs git in the repository with `who` as author and committer at `date` (ISO 8601). */
  gitAt(args: readonly string[], who: Person, date: string): string {
    return git(this.root, args, {
      env: {
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    });
  }

  /** Commits everything with `message`; returns the new commit's SHA. */
  commit(message: string, who: Person = ALICE): string {
    this.clock += 10;
    this.git(['add', '-A']);
    this.git(['commit', '-q', '--allow-empty', '-m', message], who);
    return this.sha('HEAD');
  }

  /** Merges `branch` into the current branch with a merge commit (GitHub "Create a merge commit"). */
  merge(branch: string, message: string, who: Person = BOB): string {
    this.clock += 10;
    this.git(['merge', '-q', '--no-ff', branch, '-m', message], who);
    return this.sha('HEAD');
  }

  /** Squash-merges `branch` into the current branch as one commit (GitHub "Squash and merge"). */
  squash(branch: string, message: string, who: Person = ALICE): string {
    this.git(['merge', '-q', '--squash', branch]);
    return this.commit(message, who);
  }

  /** Switches to `branch`, creating it from the current commit when `create`. */
  checkout(branch: string, create = false): void {
    this.git(['checkout', '-q', ...(create ? ['-b'] : []), branch]);
  }

  /** Full SHA of `rev`. */
  sha(rev: string): string {
    return git(this.root, ['rev-parse', rev]).trim();
  }

  /** Writes `apps/<name>.ts` for `spec`. */
  setApp(name: string, spec: unknown): void {
    writeFileSync(join(this.root, 'apps', `${name}.ts`), appSource(spec));
  }

  /** Removes an app's spec and its pins from every environment. */
  removeApp(name: string): void {
    rmSync(join(this.root, 'apps', `${name}.ts`));
    for (const env of ENVS) this.editVersions(env, (v) => delete v[name]);
  }

  /** Pins `app` at `tag` (with a matching digest) in `env`. */
  pin(env: (typeof ENVS)[number], app: string, tag: string): void {
    this.editVersions(env, (v) => (v[app] = { tag, digest: digestOf(`${app}:${tag}`) }));
  }

  /** Renders `manifests/` with the real synth. */
  async synth(): Promise<void> {
    await synth(this.root);
  }

  /** Reads a file under the repository. */
  read(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }

  /** Writes a file under the repository (for manifests edited outside synth). */
  write(path: string, text: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), text);
  }

  /** Adds `file` (`apps/x.yaml`) to, or removes it from, the resources of `env`'s index, as synth would. */
  list(env: string, file: string, listed = true): void {
    const path = `manifests/${env}/kustomization.yaml`;
    const lines = this.read(path)
      .split('\n')
      .filter((l) => l !== `  - ${file}`);
    if (listed) lines.splice(lines.indexOf('resources:') + 1, 0, `  - ${file}`);
    this.write(path, lines.join('\n'));
  }

  /** Removes a file or folder under the repository. */
  remove(path: string): void {
    rmSync(join(this.root, path), { recursive: true, force: true });
  }

  private editVersions(env: string, edit: (v: Record<string, { tag: string; digest?: string }>) => void): void {
    const file = join(this.root, 'environments', env, 'versions.json');
    const versions = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { tag: string; digest?: string }>;
    edit(versions);
    writeFileSync(file, `${JSON.stringify(versions, null, 2)}\n`);
  }
}

/**
 * A small wrapper over the real `git` binary. Every git read or write of the
 * platform goes through here, so errors name the command that failed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';

/** Thrown when a git command fails; carries git's own message. */
export class GitError extends Error {
  constructor(
    public readonly args: readonly string[],
    public readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed: ${stderr.trim() || 'no output'}`);
    this.name = 'GitError';
  }
}

/** Runs `git args…` in `cwd` and returns its standard output. */
export function git(
  cwd: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  try {
    return execFileSync('git', [...args], {
      cwd,
      encoding: 'utf8',
      input: options.input,
      env: { ...process.env, ...options.env },
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string | Buffer; message: string };
    throw new GitError(args, e.stderr?.toString() || e.message);
  }
}

/** The full SHA of `rev`; fails clearly when it names no commit. */
export function revParse(cwd: string, rev: string): string {
  try {
    return git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).trim();
  } catch {
    throw new GitError(
      ['rev-parse', rev],
      `'${rev}' is not a commit in ${cwd}; pass a branch, tag or SHA that exists (git log --oneline)`,
    );
  }
}

/**
 * Fails when the repository is a shallow clone: history-based answers (who released what, how long
 * a version has run upstream) would be wrong there, not just short. `what` names the command.
 */
export function requireFullHistory(cwd: string, what: string): void {
  if (git(cwd, ['rev-parse', '--is-shallow-repository']).trim() === 'true') {
    throw new Error(
      `${what} needs the whole git history, and this clone is shallow (its oldest commits are missing, so every change before them would be misread). Fetch the full history: git fetch --unshallow (in GitHub Actions: actions/checkout with fetch-depth: 0)`,
    );
  }
}

/** `main` when the repository has that branch, else `HEAD`: the revision whose pins count as running. */
export function mainOrHead(cwd: string): string {
  try {
    revParse(cwd, 'main');
    return 'main';
  } catch {
    return 'HEAD';
  }
}

/** Contents of `path` at `rev`, or `undefined` when the file does not exist there. */
export function showFile(cwd: string, rev: string, path: string): string | undefined {
  try {
    return git(cwd, ['show', `${rev}:${path}`]);
  } catch (error) {
    if (
      error instanceof GitError &&
      /does not exist|exists on disk, but not in|invalid object name/i.test(error.stderr)
    )
      return undefined;
    throw error;
  }
}

/** Files (blobs) under `dir` at `rev`, as `{ path, sha }` sorted by path. */
export function listTree(cwd: string, rev: string, dir: string): { path: string; sha: string }[] {
  const out = git(cwd, ['ls-tree', '-r', '-z', rev, '--', dir]);
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      return { path, sha: meta.split(' ')[2]! };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether the work tree (tracked and untracked files) has uncommitted changes. */
export function isDirty(cwd: string): boolean {
  return git(cwd, ['status', '--porcelain']).trim().length > 0;
}

/** The dirty paths of the work tree, as `git status --porcelain` prints them. */
export function dirtyPaths(cwd: string): string[] {
  return git(cwd, ['status', '--porcelain'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
}

/** Bytes of blob content one `git cat-file --batch` call returns at most (beyond a single larger blob). */
const BLOB_BATCH_BYTES = 256 * 1024 * 1024;

/**
 * Contents of many blobs, read by `git cat-file --batch`: one process for a usual change, more when the
 * blobs add up to more than `BLOB_BATCH_BYTES` (their sizes come first from one `--batch-check`), so no
 * output buffer has to hold every changed manifest of a large fleet at once.
 * Returns blob SHA → text; fails naming the first SHA git does not know. `batchBytes` bounds one call.
 */
export function readBlobs(
  cwd: string,
  shas: Iterable<string>,
  batchBytes: number = BLOB_BATCH_BYTES,
): Map<string, string> {
  const unique = [...new Set(shas)];
  const out = new Map<string, string>();
  if (unique.length === 0) return out;
  const sizes = catFile(cwd, '--batch-check', unique)
    .toString('utf8')
    .split('\n')
    .slice(0, unique.length)
    .map((line, i) => {
      const [name, type, size] = line.split(' ');
      if (type === 'missing' || size === undefined) {
        throw new GitError(['cat-file', '--batch'], `object ${name ?? unique[i]} is missing from the repository`);
      }
      return Number(size);
    });
  let batch: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) readBlobBatch(cwd, batch, bytes, out);
    batch = [];
    bytes = 0;
  };
  unique.forEach((sha, i) => {
    if (batch.length > 0 && bytes + sizes[i]! > batchBytes) flush();
    batch.push(sha);
    bytes += sizes[i]!;
  });
  flush();
  return out;
}

/**
 * The type of each object named in `names` (`blob`, `tree`, `commit`, `tag`), or `missing` when the
 * repository does not have it, from one `git cat-file --batch-check`.
 */
export function objectTypes(cwd: string, names: Iterable<string>): Map<string, string> {
  const unique = [...new Set(names)];
  const out = new Map<string, string>();
  if (unique.length === 0) return out;
  const lines = catFile(cwd, '--batch-check', unique).toString('utf8').split('\n');
  unique.forEach((name, i) => {
    const words = lines[i]?.split(' ') ?? [];
    out.set(name, words[1] === 'missing' || words.length < 3 ? 'missing' : words[1]!);
  });
  return out;
}

/** The id git gives a blob holding `text` (SHA-1, as `git hash-object` prints it), computed without git. */
export function blobId(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Reads the blobs `shas`, whose contents add up to `bytes`, into `out`. */
function readBlobBatch(cwd: string, shas: readonly string[], bytes: number, out: Map<string, string>): void {
  const raw = catFile(cwd, '--batch', shas, bytes);
  let at = 0;
  for (const sha of shas) {
    const eol = raw.indexOf(0x0a, at);
    const size = Number(raw.subarray(at, eol).toString('utf8').split(' ')[2]);
    const start = eol + 1;
    out.set(sha, raw.subarray(start, start + size).toString('utf8'));
    at = start + size + 1;
  }
}

/** The output of `git cat-file <mode>` for `names`; `bytes` is the content expected beyond the header lines. */
function catFile(cwd: string, mode: '--batch' | '--batch-check', names: readonly string[], bytes = 0): Buffer {
  try {
    return execFileSync('git', ['cat-file', mode], {
      cwd,
      input: `${names.join('\n')}\n`,
      // Besides the contents, a header line per object: its name, its type and its size.
      maxBuffer: bytes + names.reduce((n, name) => n + name.length + 64, 1024),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string | Buffer; message: string };
    throw new GitError(['cat-file', mode], e.stderr?.toString() || e.message);
  }
}

/**
 * A commit of the work tree as it is (tracked and untracked files, `.gitignore`
 * respected) on top of HEAD, made without touching the index, the work tree or
 * any branch. Used to order a change that is not committed yet.
 */
export function snapshotCommit(cwd: string, message: string): string {
  const gitDir = git(cwd, ['rev-parse', '--absolute-git-dir']).trim();
  const index = `${gitDir}/snapshot-index-${process.pid}`;
  const env = { GIT_INDEX_FILE: index };
  try {
    git(cwd, ['read-tree', 'HEAD'], { env });
    git(cwd, ['add', '-A'], { env });
    const tree = git(cwd, ['write-tree'], { env }).trim();
    return git(cwd, ['commit-tree', tree, '-p', 'HEAD', '-m', message]).trim();
  } finally {
    rmSync(index, { force: true });
  }
}

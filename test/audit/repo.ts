/**
 * A scripted release history for the audit tests: real git, real SSH keys
 * made with `ssh-keygen`, release records written as the release workflow
 * writes them, merges signed with git's SSH signing (`gpg.format=ssh`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatReleaseNote, recordRelease, type ReleaseRecord } from '../../lib/release/record.ts';
import type { History, Person } from '../release/history.ts';

/** An SSH key pair made by `ssh-keygen` in a temp folder. */
export interface SshKey {
  /** The principal (GitHub login) it belongs to. */
  readonly login: string;
  /** Path of the private key. */
  readonly file: string;
  /** The public key line (`ssh-ed25519 AAAA… login`). */
  readonly publicKey: string;
}

/** A folder of keys; `cleanup` removes it. */
export class Keys {
  readonly dir = mkdtempSync(join(tmpdir(), 'audit-keys-'));

  /** A new ed25519 key without a passphrase for `login`. */
  make(login: string): SshKey {
    const file = join(this.dir, login);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', login, '-f', file]);
    return { login, file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fixed person for scripted commits. */
export function person(login: string): Person {
  return { name: login, email: `${login}@insure.example` };
}

/** Runs git in the history's repository as `who` at the fixed `date` (author and committer). */
export function gitAt(h: History, args: readonly string[], who: Person, date: string): string {
  return h.gitAt(args, who, date);
}

/** Git options that sign with `key` (SSH signatures). */
export function signWith(key: SshKey): string[] {
  return ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key.file}`];
}

/** Merges `branch` into the current branch as GitHub does (`Merge pull request #n …`); signed when `key` is given. */
export function mergePr(h: History, branch: string, pr: number, who: Person, date: string, key?: SshKey): string {
  const args = [
    ...(key ? signWith(key) : []),
    'merge',
    '-q',
    '--no-ff',
    ...(key ? ['-S'] : []),
    branch,
    '-m',
    `Merge pull request #${pr} from insure/${branch}`,
  ];
  gitAt(h, args, who, date);
  return h.sha('HEAD');
}

/** Attaches a release record to `commit`, as `delivery record-release` does after a merge. */
export function record(h: History, commit: string, r: Partial<ReleaseRecord> & { readonly base: string }): void {
  const full: ReleaseRecord = { head: commit, environments: [], approvedBy: [], overrides: [], pins: [], ...r };
  recordRelease(h.root, commit, formatReleaseNote(full));
}

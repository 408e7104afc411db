/**
 * The machine-edited `environments/<env>/versions.json` files: read from the
 * work tree or from git, written back in one canonical form.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { join } from 'node:path';
import { VERSIONS_FILE } from '../spec/project.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { git, readBlobs, showFile } from '../git/git.ts';
import { cmp } from '../util/compare.ts';
import { writeAtomic } from '../util/fs.ts';

/** App name → pinned image. */
export type Pins = Record<string, PinnedVersion>;

/** Repository-relative path of an environment's versions file. */
export function versionsPath(env: string): string {
  return `environments/${env}/${VERSIONS_FILE}`;
}

function parsePins(text: string, where: string): Pins {
  try {
    return JSON.parse(text) as Pins;
  } catch (error) {
    throw new Error(
      `${where} is not valid JSON: ${(error as Error).message}. Fix the file (it is machine-edited: restore it with git checkout)`,
    );
  }
}

/** Parses a versions file as data: app → `{ tag, digest? }`; anything else is reported, never evaluated. */
export function parsePinsData(text: string, where: string): { pins: Pins; error?: string } {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { pins: {}, error: `${where} is not valid JSON: ${(error as Error).message}` };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return { pins: {}, error: `${where} is not a JSON object of app → pin` };
  const pins: Pins = {};
  for (const [app, pin] of Object.entries(data as Record<string, unknown>)) {
    const p = pin as { tag?: unknown; digest?: unknown } | null;
    if (
      !p ||
      typeof p !== 'object' ||
      typeof p.tag !== 'string' ||
      (p.digest !== undefined && typeof p.digest !== 'string')
    ) {
      return { pins: {}, error: `${where}: '${app}' is not { "tag": "…", "digest": "sha256:…" }` };
    }
    pins[app] = p.digest === undefined ? { tag: p.tag } : { tag: p.tag, digest: p.digest };
  }
  return { pins };
}

/** Pins of `env` in the work tree. */
export function readPins(root: string, env: string): Pins {
  return parsePins(readFileSync(join(root, versionsPath(env)), 'utf8'), versionsPath(env));
}

/** Pins of `env` at git revision `rev` (empty when the file does not exist there). */
export function readPinsAt(root: string, rev: string, env: string): Pins {
  const text = showFile(root, rev, versionsPath(env));
  return text === undefined ? {} : parsePins(text, `${versionsPath(env)} at ${rev}`);
}

/** The canonical text of a versions file: keys sorted, two-space indent, final newline. */
export function formatPins(pins: Pins): string {
  const sorted: Pins = {};
  for (const app of Object.keys(pins).sort(cmp)) {
    const pin = pins[app]!;
    sorted[app] = pin.digest ? { tag: pin.tag, digest: pin.digest } : { tag: pin.tag };
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Writes the pins of `env` atomically (temp file, then rename). */
export function writePins(root: string, env: string, pins: Pins): void {
  writeAtomic(join(root, versionsPath(env)), formatPins(pins));
}

/** Whether two pins name the same artifact. */
export function samePin(a: PinnedVersion | undefined, b: PinnedVersion | undefined): boolean {
  return a !== undefined && b !== undefined && a.tag === b.tag && (a.digest ?? '') === (b.digest ?? '');
}

/** `tag` or `tag@sha256:abcdef123456` for messages. */
export function showPin(pin: PinnedVersion | undefined): string {
  if (!pin) return '(none)';
  return pin.digest ? `${pin.tag}@${pin.digest.slice(0, 19)}` : pin.tag;
}

/** One state of an app's pin in an environment's history. */
export interface PinEvent {
  /** Commit that set this pin. */
  readonly commit: string;
  /** Committer time of that commit. */
  readonly time: Date;
  /** The pin from that commit on; `undefined` when the app was unpinned. */
  readonly pin: PinnedVersion | undefined;
}

/** One version of a file in a first-parent history. */
export interface FileVersion {
  /** Commit that wrote this version. */
  readonly commit: string;
  /** Committer time of that commit. */
  readonly time: Date;
  /** The file's text from that commit on; `undefined` when the commit deleted it. */
  readonly text: string | undefined;
}

/**
 * Every version of `path` along the first-parent history of `rev`, oldest first, one per commit that
 * changed it. Two git calls whatever the length of the history: the log with each commit's blob of the
 * file, then those blobs in one batch.
 */
export function fileHistory(root: string, rev: string, path: string): FileVersion[] {
  const log = git(root, [
    'log',
    '--first-parent',
    '--diff-merges=first-parent',
    '--raw',
    '--no-abbrev',
    '--format=%x1e%H %ct',
    rev,
    '--',
    path,
  ]);
  const commits: { commit: string; time: Date; blob: string | undefined }[] = [];
  for (const record of log.split('\x1e').slice(1)) {
    const [head, ...lines] = record.split('\n');
    const [commit, ct] = head!.split(' ') as [string, string];
    // `:100644 100644 <old> <new> M\t<path>`: the file's blob after the commit; all zeros when it was deleted.
    const raw = lines.find((l) => l.startsWith(':') && l.endsWith(`\t${path}`));
    // A commit listed without a change of the file (a merge equal to its first parent) changes nothing.
    if (raw === undefined) continue;
    const blob = raw.split(' ')[3];
    commits.push({ commit, time: new Date(Number(ct) * 1000), blob: blob && !/^0+$/.test(blob) ? blob : undefined });
  }
  const blobs = readBlobs(
    root,
    commits.flatMap((c) => (c.blob ? [c.blob] : [])),
  );
  return commits
    .reverse()
    .map((c) => ({ commit: c.commit, time: c.time, text: c.blob ? blobs.get(c.blob) : undefined }));
}

/**
 * The history of `app`'s pin in `env` along the first-parent history of `rev`,
 * oldest first, one event per change of the pin (`fileHistory` of the versions file).
 */
export function pinHistory(root: string, rev: string, env: string, app: string): PinEvent[] {
  const path = versionsPath(env);
  const events: PinEvent[] = [];
  for (const v of fileHistory(root, rev, path)) {
    const pin = v.text === undefined ? undefined : parsePins(v.text, `${path} at ${v.commit}`)[app];
    const last = events[events.length - 1];
    if (last && (samePin(last.pin, pin) || (last.pin === undefined && pin === undefined))) continue;
    events.push({ commit: v.commit, time: v.time, pin });
  }
  return events;
}

/** Whether tag `a` is a newer release than `b`; only semantic versions (with or without a leading 'v') compare. */
export function isNewer(a: string, b: string): boolean {
  const va = semver.valid(a.replace(/^v/, ''));
  const vb = semver.valid(b.replace(/^v/, ''));
  return va !== null && vb !== null && semver.gt(va, vb);
}

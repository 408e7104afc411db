/**
 * The machine-edited `environments/<env>/versions.json` files: read from the
 * work tree or from git, written back in one canonical form.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { join } from 'node:path';
import { VERSIONS_FILE } from '../spec/project.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { git, listTree, readBlobs, showFile } from '../git/git.ts';
import { cmp } from '../util/compare.ts';
import { writeAtomic } from '../util/fs.ts';

/** App name → pinned release: image, and spec outside the chain's entry. */
export type Pins = Record<string, PinnedVersion>;

/** Repository-relative path of an app's spec file, whose git blob a `spec` pin names. */
export function specPath(app: string): string {
  return `apps/${app}.ts`;
}

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

/** Parses a versions file as data: app → `{ tag, digest?, spec? }`; anything else is reported, never evaluated. */
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
    const p = pin as { tag?: unknown; digest?: unknown; spec?: unknown } | null;
    if (
      !p ||
      typeof p !== 'object' ||
      typeof p.tag !== 'string' ||
      (p.digest !== undefined && typeof p.digest !== 'string') ||
      (p.spec !== undefined && (typeof p.spec !== 'string' || !/^[0-9a-f]{40,64}$/.test(p.spec)))
    ) {
      return {
        pins: {},
        error: `${where}: '${app}' is not { "tag": "…", "digest": "sha256:…", "spec": "<git blob id>" }`,
      };
    }
    pins[app] = canonicalPin(p as PinnedVersion);
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
    sorted[app] = canonicalPin(pins[app]!);
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Writes the pins of `env` atomically (temp file, then rename). */
export function writePins(root: string, env: string, pins: Pins): void {
  writeAtomic(join(root, versionsPath(env)), formatPins(pins));
}

/** A pin with its fields in the canonical order (tag, digest, spec) and nothing else. */
function canonicalPin(pin: PinnedVersion): PinnedVersion {
  return {
    tag: pin.tag,
    ...(pin.digest === undefined ? {} : { digest: pin.digest }),
    ...(pin.spec === undefined ? {} : { spec: pin.spec }),
  };
}

/** Whether two pins name the same image (tag and digest), whatever their specs. */
export function sameImage(a: PinnedVersion | undefined, b: PinnedVersion | undefined): boolean {
  return a !== undefined && b !== undefined && a.tag === b.tag && (a.digest ?? '') === (b.digest ?? '');
}

/** Whether two pins name the same release: the same image and the same spec (or both none). */
export function samePin(a: PinnedVersion | undefined, b: PinnedVersion | undefined): boolean {
  return sameImage(a, b) && (a!.spec ?? '') === (b!.spec ?? '');
}

/**
 * Whether `pin` is the release `runs` (a release with its spec known: `releaseAt`): the same image,
 * and the same spec unless `pin` names none (a pin from before spec pins renders the work tree of its
 * revision, which the chain rule of the release order judges).
 */
export function sameRelease(runs: PinnedVersion | undefined, pin: PinnedVersion | undefined): boolean {
  return sameImage(runs, pin) && (pin!.spec === undefined || pin!.spec === runs!.spec);
}

/** `tag`, `tag@sha256:abcdef123456`, with ` spec 1a2b3c4d5e6f` when the pin names a spec, for messages. */
export function showPin(pin: PinnedVersion | undefined): string {
  if (!pin) return '(none)';
  return pin.spec ? `${showImage(pin)} spec ${pin.spec.slice(0, 12)}` : showImage(pin);
}

/** `tag` or `tag@sha256:abcdef123456`: the pin's image alone, for messages about images. */
export function showImage(pin: PinnedVersion | undefined): string {
  if (!pin) return '(none)';
  return pin.digest ? `${pin.tag}@${pin.digest.slice(0, 19)}` : pin.tag;
}

/**
 * The release a pin stands for, with its spec known: a pin without `spec` (the chain's entry, or a
 * repository from before spec pins) runs the app's spec file as it is at the same revision, whose
 * blob `specBlob` gives.
 */
export function releaseOf(pin: PinnedVersion, specBlob: string | undefined): PinnedVersion {
  return pin.spec !== undefined || specBlob === undefined ? pin : { ...pin, spec: specBlob };
}

/** Every pin of `pins` as the release it stands for (`releaseOf`), with `specs` the spec files' blobs. */
export function releasesOf(pins: Pins, specs: ReadonlyMap<string, string>): Pins {
  return Object.fromEntries(Object.entries(pins).map(([app, pin]) => [app, releaseOf(pin, specs.get(app))]));
}

/**
 * The change of `app`'s spec text from blob `before` to blob `after`, as a unified diff with the spec
 * file's name on both sides; empty when they are the same text.
 */
export function specDiff(root: string, app: string, before: string, after: string): string {
  if (before === after) return '';
  const file = specPath(app);
  const diff = git(root, ['diff', '--no-color', '--no-ext-diff', '--unified=2', before, after]);
  // git names blobs compared this way by their ids: the header is replaced by the file's name.
  const body = diff.replace(/^diff --git .*\n(?:index .*\n)?--- .*\n\+\+\+ .*\n/, '');
  return `--- ${file}@${before.slice(0, 12)}\n+++ ${file}@${after.slice(0, 12)}\n${body.trimEnd()}`;
}

/** The git blob of every app's spec file at `rev`: app name → blob id. */
export function specBlobsAt(root: string, rev: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { path, sha } of listTree(root, rev, 'apps')) {
    const m = /^apps\/([^/]+)\.ts$/.exec(path);
    if (m) out.set(m[1]!, sha);
  }
  return out;
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

/** A commit of a first-parent history with the blob it leaves of each watched file it changed. */
interface FileChanges {
  readonly commit: string;
  readonly time: Date;
  /** Path → the file's blob after the commit; `null` when the commit deleted it. Unchanged files are absent. */
  readonly blobs: ReadonlyMap<string, string | null>;
}

/**
 * The commits along the first-parent history of `rev` that change any of `paths` (files, or folders
 * ending in `/`), oldest first, each with the blobs it leaves of the files it changed: one git call
 * whatever the length of the history.
 */
function changesOf(root: string, rev: string, paths: readonly string[]): FileChanges[] {
  const log = git(root, [
    'log',
    '--first-parent',
    '--diff-merges=first-parent',
    '--raw',
    '--no-renames',
    '--no-abbrev',
    '--format=%x1e%H %ct',
    rev,
    '--',
    ...paths,
  ]);
  const out: FileChanges[] = [];
  for (const record of log.split('\x1e').slice(1)) {
    const [head, ...lines] = record.split('\n');
    const [commit, ct] = head!.split(' ') as [string, string];
    const blobs = new Map<string, string | null>();
    // `:100644 100644 <old> <new> M\t<path>`: the file's blob after the commit; all zeros when it was deleted.
    for (const line of lines) {
      if (!line.startsWith(':')) continue;
      const tab = line.indexOf('\t');
      const blob = line.slice(0, tab).split(' ')[3];
      blobs.set(line.slice(tab + 1), blob && !/^0+$/.test(blob) ? blob : null);
    }
    // A commit listed without a change of the files (a merge equal to its first parent) changes nothing.
    if (blobs.size > 0) out.push({ commit, time: new Date(Number(ct) * 1000), blobs });
  }
  return out.reverse();
}

/**
 * Every version of `path` along the first-parent history of `rev`, oldest first, one per commit that
 * changed it. Two git calls whatever the length of the history: the log with each commit's blob of the
 * file, then those blobs in one batch.
 */
export function fileHistory(root: string, rev: string, path: string): FileVersion[] {
  const commits = changesOf(root, rev, [path]);
  const blobs = readBlobs(
    root,
    commits.flatMap((c) => c.blobs.get(path) ?? []),
  );
  return commits.map((c) => {
    const blob = c.blobs.get(path);
    return { commit: c.commit, time: c.time, text: blob ? blobs.get(blob) : undefined };
  });
}

/**
 * The history of `app`'s release in `env` along the first-parent history of `rev`, oldest first, one
 * event per change: of the pin, or, for a pin that names no spec (the chain's entry, or a pin from
 * before spec pins), of the spec file it then renders (`releaseOf`). Two git calls whatever the
 * length of the history (`pinHistories`).
 */
export function pinHistory(root: string, rev: string, env: string, app: string): PinEvent[] {
  return pinHistories(root, rev, env, [app]).get(app)!;
}

/**
 * The histories of the releases of `apps` in `env` (as `pinHistory` gives one), for as many apps as
 * asked, from two git calls: the log of the versions file and of the spec files, then every version
 * of the versions file in one batch, each parsed once. A train of a thousand pins reads each
 * environment's history once instead of once per app.
 */
export function pinHistories(root: string, rev: string, env: string, apps: readonly string[]): Map<string, PinEvent[]> {
  const path = versionsPath(env);
  const specs = apps.length === 1 ? [specPath(apps[0]!)] : ['apps/'];
  const commits = changesOf(root, rev, [path, ...specs]);
  const blobs = readBlobs(
    root,
    commits.flatMap((c) => c.blobs.get(path) ?? []),
  );
  const parsed = new Map<string, Pins>();
  const pinsIn = (blob: string, commit: string): Pins => {
    let pins = parsed.get(blob);
    if (!pins) {
      pins = parsePins(blobs.get(blob)!, `${path} at ${commit}`);
      parsed.set(blob, pins);
    }
    return pins;
  };
  const out = new Map<string, PinEvent[]>();
  for (const app of apps) {
    const spec = specPath(app);
    const events: PinEvent[] = [];
    let pinsBlob: string | null = null;
    let specBlob: string | null = null;
    for (const c of commits) {
      const pinsChanged = c.blobs.has(path);
      const specChanged = c.blobs.has(spec);
      if (!pinsChanged && !specChanged) continue;
      if (pinsChanged) pinsBlob = c.blobs.get(path)!;
      if (specChanged) specBlob = c.blobs.get(spec)!;
      const pinned = pinsBlob ? pinsIn(pinsBlob, c.commit)[app] : undefined;
      const pin = pinned && releaseOf(pinned, specBlob ?? undefined);
      const last = events[events.length - 1];
      if (last ? samePin(last.pin, pin) || (last.pin === undefined && pin === undefined) : pin === undefined) continue;
      events.push({ commit: c.commit, time: c.time, pin });
    }
    out.set(app, events);
  }
  return out;
}

/**
 * Release histories (`pinHistories`) at one revision, read per environment on first use for every app
 * of `apps` at once: the gates of a train ask for one app at a time, and pay one read per environment.
 */
export class PinHistories {
  private readonly read = new Map<string, Map<string, PinEvent[]>>();

  constructor(
    private readonly root: string,
    private readonly rev: string,
    private readonly apps: readonly string[],
  ) {}

  /** The history of `app`'s release in `env` (read with every app of the set the first time `env` is asked). */
  of(env: string, app: string): PinEvent[] {
    let histories = this.read.get(env);
    if (!histories?.has(app)) {
      const apps = this.apps.includes(app) ? this.apps : [...this.apps, app];
      histories = pinHistories(this.root, this.rev, env, apps);
      this.read.set(env, histories);
    }
    return histories.get(app)!;
  }
}

/** Whether tag `a` is a newer release than `b`; only semantic versions (with or without a leading 'v') compare. */
export function isNewer(a: string, b: string): boolean {
  const va = semver.valid(a.replace(/^v/, ''));
  const vb = semver.valid(b.replace(/^v/, ''));
  return va !== null && vb !== null && semver.gt(va, vb);
}

/**
 * The configuration a pull request moves: for each pin whose spec changes, the diff of the app's spec
 * text from what the environment ran to what it will run, so that reviewers read the edit itself
 * beside the manifest changes it causes. Both texts are git objects; nothing is evaluated.
 */
import { specBlobsAt, specDiff } from '../promote/versions.ts';
import { cmp } from '../util/compare.ts';
import type { PinChangeAt } from './pins.ts';

/** Spec diffs computed at most per release order; a larger train lists the rest by name. */
export const MAX_SPEC_DIFFS = 10;

/** One spec change of one app, in the environments whose pins move it. */
export interface SpecChange {
  readonly app: string;
  /** Environments whose pins move this spec, in promotion order. */
  readonly envs: readonly string[];
  /** Blob the environments ran: their pinned spec, or the spec file at base for a pin without one. */
  readonly before?: string;
  /** Blob they will run. */
  readonly after: string;
  /** The unified diff of the spec text; absent past `MAX_SPEC_DIFFS`. */
  readonly diff?: string;
}

/** The spec changes of `pins` (a release order's pin changes, in promotion order). */
export function specChanges(root: string, base: string, pins: readonly PinChangeAt[]): SpecChange[] {
  const moved = pins.filter((p) => p.after?.spec !== undefined && p.after.spec !== p.before?.spec);
  if (moved.length === 0) return [];
  const atBase = moved.some((p) => p.before?.spec === undefined) ? specBlobsAt(root, base) : new Map<string, string>();
  const byChange = new Map<string, { app: string; envs: string[]; before?: string; after: string }>();
  for (const p of moved) {
    const before = p.before?.spec ?? atBase.get(p.app);
    if (before === p.after!.spec) continue;
    const key = `${p.app}\0${before}\0${p.after!.spec}`;
    const entry = byChange.get(key);
    if (entry) entry.envs.push(p.env);
    else byChange.set(key, { app: p.app, envs: [p.env], ...(before ? { before } : {}), after: p.after!.spec! });
  }
  return [...byChange.values()]
    .sort((a, b) => cmp(a.app, b.app))
    .map((c, i) =>
      i < MAX_SPEC_DIFFS && c.before !== undefined ? { ...c, diff: specDiff(root, c.app, c.before, c.after) } : c,
    );
}

/**
 * `pin-specs`: the step that brings a repository from before spec pins onto the promotion chain.
 * Every environment but the chain's entry gets, in each of its pins, the spec it renders today: the
 * blob of the committed `apps/<app>.ts`. Nothing an environment runs changes, so the pull request
 * that records it changes no manifest; from then on a spec edit reaches only the entry, and each
 * further environment when the app is promoted there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectTypes } from '../git/git.ts';
import { isEntry, isPureSpec, loadProject } from '../spec/project.ts';
import { writeAtomic } from '../util/fs.ts';
import { synth } from '../render/synth.ts';
import { formatPins, readPins, specPath, versionsPath, type Pins } from './versions.ts';

/** One pin that gets its spec. */
export interface SpecPin {
  readonly env: string;
  readonly app: string;
  readonly spec: string;
}

/** What `pinSpecs` did. */
export interface PinnedSpecs {
  /** The pins given a spec, by environment (promotion order) then app. */
  readonly pinned: readonly SpecPin[];
  /** Pins that named a spec already, left as they are. */
  readonly kept: number;
}

/** Thrown when some spec cannot be pinned; nothing was written. */
export class PinSpecsRefused extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(
      `cannot pin the specs (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was changed:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'PinSpecsRefused';
  }
}

/**
 * Pins in every environment but the chain's entry the spec each app renders there today: its
 * committed `apps/<app>.ts`. Refuses, writing nothing, when a spec file differs from what git has
 * (commit it first: a pin names a committed text) or imports more than the spec module (its text
 * alone would not be its configuration). Writes the versions files, then renders: a render that
 * changes any manifest puts the files back and throws, since pinning must change nothing that runs.
 */
export async function pinSpecs(root: string): Promise<PinnedSpecs> {
  const project = await loadProject(root);
  const problems: string[] = [];
  // The loader gave each work-tree spec its blob id: what each environment renders today.
  const blobs = new Map(project.apps.map((a) => [a.spec.name, a]));
  const pinned: SpecPin[] = [];
  const updated = new Map<string, Pins>();
  let kept = 0;
  for (const env of project.environments.filter((e) => !isEntry(e.spec))) {
    const pins = readPins(root, env.spec.name);
    for (const app of Object.keys(pins).sort()) {
      const pin = pins[app]!;
      if (pin.spec !== undefined) {
        kept++;
        continue;
      }
      const source = blobs.get(app);
      if (!source) continue;
      pins[app] = { ...pin, spec: source.blob };
      pinned.push({ env: env.spec.name, app, spec: source.blob });
    }
    if (pinned.some((p) => p.env === env.spec.name)) updated.set(env.spec.name, pins);
  }
  const used = [...new Set(pinned.map((p) => p.app))];
  const types = objectTypes(
    root,
    used.map((app) => blobs.get(app)!.blob),
  );
  for (const app of used.sort()) {
    const { blob, file } = blobs.get(app)!;
    if (types.get(blob) !== 'blob')
      problems.push(`${file} has changes git does not have: commit it first, since a pin names a committed text`);
    else if (!isPureSpec(readFileSync(join(root, file), 'utf8')))
      problems.push(
        `${file} imports more than the spec module, or reads the process or the clock: inline what it imports, so that its text alone is its configuration`,
      );
  }
  if (problems.length > 0) throw new PinSpecsRefused(problems);
  if (pinned.length === 0) return { pinned, kept };

  const before = new Map([...updated.keys()].map((env) => [env, readFileSync(join(root, versionsPath(env)), 'utf8')]));
  const restore = (): void => {
    for (const [env, text] of before) writeAtomic(join(root, versionsPath(env)), text);
  };
  try {
    for (const [env, pins] of updated) writeAtomic(join(root, versionsPath(env)), formatPins(pins));
    // The same texts render the same bytes: a check that writes nothing proves it.
    const result = await synth(root, { check: true });
    if (result.diff.changed.length + result.diff.added.length + result.diff.removed.length > 0) {
      const files = [...result.diff.changed, ...result.diff.added, ...result.diff.removed].slice(0, 5);
      throw new PinSpecsRefused([
        `pinning would change manifests (${files.join(', ')}): run npm run synth and commit manifests/ first, then pin`,
      ]);
    }
  } catch (error) {
    restore();
    throw error;
  }
  return { pinned, kept };
}

/** A summary of what `pinSpecs` did, for the terminal. */
export function describePinned(result: PinnedSpecs): string {
  if (result.pinned.length === 0) return `every pin names its spec already (${result.kept} pins); nothing to do\n`;
  const envs = [...new Set(result.pinned.map((p) => p.env))];
  const lines = envs.map((env) => {
    const apps = result.pinned.filter((p) => p.env === env);
    return `  ${env.padEnd(8)} ${apps.length} app${apps.length === 1 ? '' : 's'} pinned to the spec ${env} renders today`;
  });
  return [
    `pinned ${result.pinned.length} specs (${result.kept} pinned already); no manifest changes:`,
    ...lines,
    `next: commit ${envs.map(versionsPath).join(', ')} and merge; from then on an edit of ${specPath('<app>')} reaches`,
    "the chain's entry only, and each further environment when the app is promoted there",
    '',
  ].join('\n');
}

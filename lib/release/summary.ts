/**
 * The summary of a large release order: per environment, the changed fields
 * grouped by change kind, object kind and path (the app's own name written
 * as `<app>`), with the values before → after and the apps each group
 * covers; the apps that differ from the environment's common pattern, by
 * name; and, for each group, the source change that caused it (an app spec,
 * an environment file, a versions pin or platform code), read from the git
 * diff of base..head. Nothing of the head is evaluated: only paths are read.
 */
import { git } from '../git/git.ts';
import type { ReleaseChangeKind, Risk } from '../spec/environment.ts';
import { cmp } from '../util/compare.ts';
import { CHANGE_KINDS } from './diff.ts';
import type { FieldChange } from './diff.ts';
import { maxRisk } from './risk.ts';

/** What the summary reads of an app's release in one environment (the release order's `AppRelease`). */
export interface SummarizedApp {
  readonly app: string;
  readonly changes: readonly {
    readonly kind: ReleaseChangeKind;
    readonly object: string;
    readonly risk: Risk;
    readonly fields: readonly Pick<FieldChange, 'path' | 'before' | 'after'>[];
  }[];
}

/** What the summary reads of an environment's release (the release order's `EnvironmentRelease`). */
export interface SummarizedEnvironment {
  readonly env: string;
  readonly apps: readonly SummarizedApp[];
}

/** What kind of source change caused a group of changes. */
export type CauseType = 'app-spec' | 'environment' | 'pins' | 'platform';

/** One source change, with the paths that changed. */
export interface Cause {
  readonly type: CauseType;
  /** Changed repository paths, sorted. */
  readonly paths: readonly string[];
  /** Platform code only: the folders of `lib/` it touches (`workload`), the platform features changed. */
  readonly features?: readonly string[];
}

/** The source files that changed between base and head, as the summary reads them. */
export interface SourceChanges {
  /** App → its spec file (`apps/claims-api.ts`), for each app spec that changed. */
  readonly appSpecs: ReadonlyMap<string, string>;
  /** Environment → its changed files other than `versions.json` (`environments/dev/environment.ts`). */
  readonly environmentFiles: ReadonlyMap<string, readonly string[]>;
  /** Environment → apps whose pin changed in its `versions.json`. */
  readonly pins: ReadonlyMap<string, ReadonlySet<string>>;
  /** Changed platform files: `lib/**` and `package-lock.json`. */
  readonly platform: readonly string[];
}

/** One group of like changes in one environment. */
export interface ChangeGroup {
  readonly kind: ReleaseChangeKind;
  /** Kind of the changed objects (`Deployment`). */
  readonly objectKind: string;
  /** The field path with the app's name as `<app>`; empty for a whole object added or removed. */
  readonly path: string;
  /** The value before and after, as text with the app's name as `<app>`; absent where the field is. */
  readonly before?: string;
  readonly after?: string;
  /** Apps with this change, sorted. */
  readonly apps: readonly string[];
  readonly risk: Risk;
  /** The source changes that explain it. */
  readonly causes: readonly Cause[];
}

/** An app that differs from its environment's common pattern. */
export interface Standout {
  readonly app: string;
  /** Groups it has beyond the common pattern, described (`Deployment spec.replicas: 2 → 3`). */
  readonly extra: readonly string[];
  /** Groups of the common pattern it lacks, described. */
  readonly missing: readonly string[];
}

/** App name under which a release order shows an edit of an environment's policy (`environment.ts`). */
const POLICY = 'policy';

/** The summary of one environment. */
export interface EnvironmentSummary {
  readonly env: string;
  /** Apps changed (an edit of the environment's policy is no app, and never stands out). */
  readonly apps: number;
  /** Groups, most apps first. */
  readonly groups: readonly ChangeGroup[];
  /** Apps that share the most common set of groups. */
  readonly common: number;
  readonly standouts: readonly Standout[];
}

/** Files that cause changes: app specs, environment files, platform code and its locked dependencies. */
const SOURCES = ['apps', 'environments', 'lib', 'package-lock.json'];

/**
 * The source changes between two resolved commits, from `git diff --name-only` (paths only), and
 * the pins each environment's `versions.json` changes (`pins`, as judged by the gates).
 */
export function sourceChanges(
  root: string,
  base: string,
  head: string,
  pins: readonly { env: string; app: string }[],
): SourceChanges {
  const paths = git(root, ['diff', '--name-only', '--no-renames', '-z', base, head, '--', ...SOURCES])
    .split('\0')
    .filter(Boolean)
    .sort(cmp);
  const appSpecs = new Map<string, string>();
  const environmentFiles = new Map<string, string[]>();
  const platform: string[] = [];
  for (const p of paths) {
    const app = /^apps\/([^/]+)\.ts$/.exec(p);
    const env = /^environments\/([^/]+)\/(.+)$/.exec(p);
    if (app) appSpecs.set(app[1]!, p);
    else if (env && env[2] !== 'versions.json')
      environmentFiles.set(env[1]!, [...(environmentFiles.get(env[1]!) ?? []), p]);
    else if (p.startsWith('lib/') || p === 'package-lock.json') platform.push(p);
  }
  const byEnv = new Map<string, Set<string>>();
  for (const pin of pins) byEnv.set(pin.env, (byEnv.get(pin.env) ?? new Set()).add(pin.app));
  return { appSpecs, environmentFiles, pins: byEnv, platform };
}

/** The summary of each environment of a release order. */
export function summarize(
  environments: readonly SummarizedEnvironment[],
  sources: SourceChanges,
): EnvironmentSummary[] {
  return environments.map((e) => summarizeEnvironment(e, sources));
}

function summarizeEnvironment(e: SummarizedEnvironment, sources: SourceChanges): EnvironmentSummary {
  const groups = new Map<
    string,
    { group: Omit<ChangeGroup, 'apps' | 'risk' | 'causes'>; apps: Set<string>; risks: Risk[] }
  >();
  const signatures = new Map<string, Set<string>>();
  for (const app of e.apps) {
    const keys = new Set<string>();
    for (const c of app.changes) {
      const objectKind = app.app === POLICY ? 'environment policy' : objectKindOf(c.object);
      const items = c.fields.length === 0 ? [{ path: '', before: undefined, after: undefined }] : c.fields;
      for (const f of items) {
        const path = generic(f.path, app.app);
        const before = valueText(f.before, app.app);
        const after = valueText(f.after, app.app);
        const key = JSON.stringify([CHANGE_KINDS.indexOf(c.kind), objectKind, path, before ?? null, after ?? null]);
        keys.add(key);
        let entry = groups.get(key);
        if (!entry) {
          entry = {
            group: {
              kind: c.kind,
              objectKind,
              path,
              ...(before === undefined ? {} : { before }),
              ...(after === undefined ? {} : { after }),
            },
            apps: new Set(),
            risks: [],
          };
          groups.set(key, entry);
        }
        entry.apps.add(app.app);
        entry.risks.push(c.risk);
      }
    }
    if (app.app !== POLICY) signatures.set(app.app, keys);
  }
  const byApp = new Map(e.apps.map((a) => [a.app, a]));
  const list = [...groups].map(([key, { group, apps, risks }]) => {
    const names = [...apps].sort(cmp);
    return {
      key,
      group: {
        ...group,
        apps: names,
        risk: maxRisk(risks),
        causes: causesOf(
          e.env,
          names.map((n) => byApp.get(n)!),
          sources,
        ),
      },
    };
  });
  // The policy edit first (it says why the rest changes), then the groups of most apps.
  const policyFirst = (g: ChangeGroup): number => (g.apps.length === 1 && g.apps[0] === POLICY ? 0 : 1);
  list.sort(
    (x, y) =>
      policyFirst(x.group) - policyFirst(y.group) || y.group.apps.length - x.group.apps.length || cmp(x.key, y.key),
  );

  // The common pattern: the set of groups the most apps share; the others stand out.
  const counts = new Map<string, number>();
  const signatureOf = new Map<string, string>();
  for (const [app, keys] of signatures) {
    const s = [...keys].sort(cmp).join('\n');
    signatureOf.set(app, s);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const [common, commonCount] = [...counts].sort((x, y) => y[1] - x[1] || cmp(x[0], y[0]))[0] ?? ['', 0];
  const commonKeys = new Set(common ? common.split('\n') : []);
  const pathOf = new Map(list.map((g) => [g.key, describeGroup(g.group)]));
  const standouts: Standout[] = [];
  for (const app of [...signatures.keys()].sort(cmp)) {
    if (signatureOf.get(app) === common) continue;
    const keys = signatures.get(app)!;
    standouts.push({
      app,
      extra: [...keys].filter((k) => !commonKeys.has(k)).map((k) => pathOf.get(k)!),
      missing: [...commonKeys].filter((k) => !keys.has(k)).map((k) => pathOf.get(k)!),
    });
  }
  return { env: e.env, apps: signatures.size, groups: list.map((g) => g.group), common: commonCount, standouts };
}

/** A group in a few words: the object kind, the path and the values (`Deployment spec.replicas: 2 → 3`). */
export function describeGroup(g: Pick<ChangeGroup, 'kind' | 'objectKind' | 'path' | 'before' | 'after'>): string {
  if (!g.path) return `${g.objectKind} ${g.kind}`;
  const value = (v: string | undefined): string => {
    if (v === undefined) return '(none)';
    return v.length > 40 ? `${v.slice(0, 39)}…` : v;
  };
  return `${g.objectKind} ${g.path}: ${value(g.before)} → ${value(g.after)}`;
}

/**
 * The source changes that explain changes to `apps` in `env`, the most specific first: the apps' own
 * spec files, or their changed pins, when every app of the group has one; otherwise the
 * environment's files (its policy applies to every app in it) and the platform's code (it renders
 * every app). Paths are read, nothing is evaluated, so a cause is what could have made the change.
 */
function causesOf(env: string, apps: readonly SummarizedApp[], sources: SourceChanges): Cause[] {
  const specific: Cause[] = [];
  const specs = apps.map((a) => sources.appSpecs.get(a.app));
  if (specs.every((p) => p !== undefined)) specific.push({ type: 'app-spec', paths: (specs as string[]).sort(cmp) });
  const pinned = sources.pins.get(env);
  if (pinned && apps.every((a) => pinned.has(a.app)))
    specific.push({ type: 'pins', paths: [`environments/${env}/versions.json`] });
  if (specific.length > 0) return specific;
  const broad: Cause[] = [];
  const files = sources.environmentFiles.get(env) ?? [];
  if (files.length > 0) broad.push({ type: 'environment', paths: files });
  if (sources.platform.length > 0) {
    const features = [
      ...new Set(sources.platform.filter((p) => p.startsWith('lib/')).map((p) => p.split('/')[1]!)),
    ].sort(cmp);
    broad.push({ type: 'platform', paths: sources.platform, ...(features.length > 0 ? { features } : {}) });
  }
  return broad;
}

/** `apps/v1/Deployment/claims/claims-api` → `Deployment`. */
function objectKindOf(id: string): string {
  const parts = id.split('/');
  return parts[parts.length - 3] ?? id;
}

/** `text` with the app's name written as `<app>`, so that the same change in every app reads the same. */
function generic(text: string, app: string): string {
  return app ? text.split(app).join('<app>') : text;
}

function valueText(value: unknown, app: string): string | undefined {
  if (value === undefined) return undefined;
  return generic(typeof value === 'string' ? value : JSON.stringify(value), app);
}

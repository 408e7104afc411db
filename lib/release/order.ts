/**
 * The release order between two revisions: every change to `manifests/`
 * (the index of each environment included) and to each environment's policy,
 * grouped by environment in promotion order and then by app, with its risk,
 * the approvals it needs, the rollout plan that will run, and the refusals of
 * the deletion guard, of the promotion gates and of the chain rule (one pull
 * request, one step of the chain; `chain.ts`). Reads git only; never the
 * work tree.
 *
 * Trusted code, untrusted data: every decision (approvers, approvals
 * required, risk, guards, freeze windows) comes from the base revision's
 * policy and this process's code. The head revision contributes its
 * manifests and versions files, parsed from git objects as YAML and JSON,
 * and nothing of it is ever evaluated.
 */
import { git, listTree, readBlobs, requireFullHistory, revParse } from '../git/git.ts';
import { LABELS } from '../workload/labels.ts';
import type { KubeObject } from '../kube/object.ts';
import type { EnvironmentSpec, ReleaseChangeKind, Risk, RiskTrigger } from '../spec/environment.ts';
import { cmp } from '../util/compare.ts';
import { approvalsFor } from './approvals.ts';
import {
  chainRefusals,
  chainVerdict,
  checkChain,
  findChainOverride,
  type ChainApp,
  type ChainVerdict,
} from './chain.ts';
import { CHANGE_KINDS, diffObjects, type FieldChange, type ObjectChange } from './diff.ts';
import { checkDeletions, findOverrides, OVERRIDABLE_RULES, type GuardViolation, type Override } from './guard.ts';
import { countObjects, envOf, readManifestDelta, type ManifestDelta, type PlacedObject } from './manifests.ts';
import { rolloutPlans, type RolloutPlan } from './plan.ts';
import { redactChange } from './redact.ts';
import { judgePins, type EnvironmentTree, type PinChangeAt } from './pins.ts';
import { judgeFeatures } from './features.ts';
import { environmentsAt } from './revision.ts';
import { maxRisk, riskOf, triggersOf } from './risk.ts';
import { sourceChanges, summarize, type EnvironmentSummary, type SourceChanges } from './summary.ts';
import { verifyHead } from './verify.ts';
import { specChanges, type SpecChange } from './specs.ts';

/** One classified change, with its risk; secrets redacted. */
export interface Change {
  readonly env: string;
  readonly app: string;
  readonly kind: ReleaseChangeKind;
  /** `apiVersion/kind/namespace/name`. */
  readonly object: string;
  readonly risk: Risk;
  /** The kind and facts that set the risk. */
  readonly triggers: readonly RiskTrigger[];
  /** Fields that changed, before → after (none for `added`/`removed`). */
  readonly fields: readonly FieldChange[];
}

/** One app's part of an environment's release. */
export interface AppRelease {
  readonly app: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** `app.kubernetes.io/version` at base and head. */
  readonly version: { readonly before?: string; readonly after?: string };
  readonly risk: Risk;
  readonly changes: readonly Change[];
  readonly rollout: readonly RolloutPlan[];
}

/** One environment's part of the release order. */
export interface EnvironmentRelease {
  readonly env: string;
  /** Position in the promotion chain (1 = first); an environment released with another shares its step. */
  readonly step: number;
  /** 1, or 2 for an environment released with another as the second wave of the same order. */
  readonly wave: 1 | 2;
  /** The environment this one is released with. */
  readonly releasedWith?: string;
  readonly risk: Risk;
  readonly approvalsRequired: number;
  readonly approvers: readonly string[];
  readonly apps: readonly AppRelease[];
}

/** The verdict of the deletion guard and the promotion gates on the whole order. */
export interface GuardVerdict {
  /**
   * True when any rule refuses the order: it must not be merged as it is. An overridable refusal
   * is lifted only by an approver's override in a review, which the approval check counts.
   */
  readonly blocked: boolean;
  readonly violations: readonly GuardViolation[];
  /** `Release-Override:` commit trailers: requests for an override, shown to reviewers; they lift nothing. */
  readonly requests: readonly Override[];
}

/** The release order between two revisions. */
export interface ReleaseOrder {
  /** Resolved SHA of base. */
  readonly base: string;
  /** Resolved SHA of head. */
  readonly head: string;
  /** Environments with changes, in promotion order. */
  readonly environments: readonly EnvironmentRelease[];
  /** Every change, in environment (promotion) order, then app, object and kind. */
  readonly changes: readonly Change[];
  readonly guard: GuardVerdict;
  /** Every pin of `environments/<env>/versions.json` that changes, with where the gates proved it comes from. */
  readonly pins: readonly PinChangeAt[];
  /** The app specs the pins move, each with the diff of its text (the configuration this order releases). */
  readonly specs: readonly SpecChange[];
  /**
   * The chain rule (one pull request, one step of the chain): its violations, and the `Chain-Override`
   * trailer when one is in force. Without the trailer each violation is also a refusal of the guard (rule `chain`).
   */
  readonly chain: ChainVerdict;
  /** The source changes between base and head: app specs, environment files, pins and platform code. */
  readonly sources: SourceChanges;
  /** Per environment, the changes grouped by kind and path, what caused each group, and the apps that stand out. */
  readonly summary: readonly EnvironmentSummary[];
  /**
   * With `--verify`: `fresh` when the head re-rendered to its committed manifests, `failed` when its specs do not
   * render; else `unchecked`.
   */
  readonly verified: 'fresh' | 'failed' | 'unchecked';
}

/** Options of `buildReleaseOrder`. */
export interface ReleaseOrderOptions {
  /**
   * Re-render the head's specs and fail if its committed manifests are stale. This runs the head's
   * code: never in a job that holds secrets (the pull request's `checks` job runs `synth --check`).
   */
  readonly verify?: boolean;
  /** The time soak and freeze gates are judged at. @default - now */
  readonly now?: Date;
}

/** Thrown when `--verify` finds the head's manifests stale against its specs. */
export class StaleManifestsError extends Error {
  constructor(head: string, report: string) {
    super(
      `the manifests committed at ${head.slice(0, 12)} are stale against its apps/ and environments/; run \`npm run synth\` on that revision and commit the result:\n${report}`,
    );
    this.name = 'StaleManifestsError';
  }
}

/** Builds the release order from `baseRef` to `headRef` in the repository at `root`. */
export async function buildReleaseOrder(
  root: string,
  baseRef: string,
  headRef: string,
  options: ReleaseOrderOptions = {},
): Promise<ReleaseOrder> {
  requireFullHistory(root, 'release-order');
  const base = revParse(root, baseRef);
  const head = revParse(root, headRef);
  const violations: GuardViolation[] = [];
  let verified: ReleaseOrder['verified'] = 'unchecked';
  if (options.verify) {
    const result = verifyHead(root, head);
    if (result.status === 'stale') throw new StaleManifestsError(head, result.report);
    if (result.status === 'failed')
      violations.push({
        env: '*',
        rule: 'broken-render',
        message: `the head's specs do not render: ${result.report}`,
        objects: [],
        overridable: false,
      });
    verified = result.status;
  }
  const delta = readManifestDelta(root, base, head);
  const trees = { base: environmentTree(root, base), head: environmentTree(root, head) };
  const policyEdits = policyChanges(root, base, head, trees);
  const chain = (await environmentsAt(root, base)).map((l) => l.spec);
  const pins = judgePins({ root, base, head, trees, policies: chain, now: options.now ?? new Date() });
  const flags = judgeFeatures({ root, base, head, trees, policies: chain, now: options.now ?? new Date() });
  const changedEnvs = [
    ...new Set([
      ...delta.changedEnvs,
      ...policyEdits.keys(),
      ...pins.changes.map((c) => c.env),
      ...flags.changes.map((c) => c.env),
    ]),
  ];
  const policies = policiesFor(chain, changedEnvs, violations);
  const objectChanges = diffObjects(delta.before, delta.after);
  for (const r of pins.refusals) {
    violations.push({
      env: r.env,
      rule: r.gate,
      message: `${r.app === '*' ? '' : `${r.app}: `}${r.message}. Remedy: ${r.remedy}`,
      objects: [`environments/${r.env}/versions.json`],
      overridable: OVERRIDABLE_RULES.has(r.gate),
    });
  }
  for (const r of flags.refusals) {
    violations.push({
      env: r.env,
      rule: r.gate,
      message: `${r.app}: ${r.message}. Remedy: ${r.remedy}`,
      objects: [`environments/${r.env}/features.json`],
      overridable: OVERRIDABLE_RULES.has(r.gate),
    });
  }

  // Grouped once, so that each app's part reads only its own objects and changes: linear in the change.
  const changesByEnv = groupBy(objectChanges, (c) => c.env);
  const beforeByEnv = groupBy(delta.before, (p) => p.env);
  const afterByEnv = groupBy(delta.after, (p) => p.env);
  const environments: EnvironmentRelease[] = [];
  const changes: Change[] = [];
  const chainApps = new Map<string, ChainApp[]>();
  for (const { env, policy, step, wave, releasedWith } of policies) {
    const inEnv = changesByEnv.get(env) ?? [];
    const before = beforeByEnv.get(env) ?? [];
    const after = afterByEnv.get(env) ?? [];
    const removedApps = appsOnlyIn(before, after);
    violations.push(
      ...checkDeletions({
        env,
        policy,
        changes: inEnv,
        removedApps,
        baseObjects: () => countObjects(root, delta.baseFiles, env),
        emptyAtHead: emptyAtHead(delta, env, after.length > 0),
        broken: delta.broken.filter((b) => envOf(b.file) === env),
      }),
    );
    const edit = policyEdits.get(env);
    if (inEnv.length === 0 && !edit) continue;
    const apps = appReleases(env, policy, inEnv, before, after);
    chainApps.set(
      env,
      apps.map((a) => ({ app: a.app, added: a.status === 'added' })),
    );
    if (edit) apps.unshift(edit);
    const risk = maxRisk(apps.map((a) => a.risk));
    environments.push({
      env,
      step,
      wave,
      ...(releasedWith ? { releasedWith } : {}),
      risk,
      ...approvalsFor(policy, risk),
      apps,
    });
    for (const a of apps) changes.push(...a.changes);
  }
  const chainCheck = chainVerdict(
    checkChain({ policies: chain, apps: chainApps, pins: pins.changes }),
    findChainOverride(root, base, head),
  );
  violations.push(...chainRefusals(chainCheck));
  const sources = sourceChanges(root, base, head, pins.changes);
  return {
    base,
    head,
    environments,
    changes,
    sources,
    summary: summarize(environments, sources),
    guard: { blocked: violations.length > 0, violations, requests: findOverrides(root, base, head) },
    pins: pins.changes,
    specs: specChanges(root, base, pins.changes),
    chain: chainCheck,
    verified,
  };
}

interface EnvPolicy {
  readonly env: string;
  readonly policy: EnvironmentSpec;
  readonly step: number;
  readonly wave: 1 | 2;
  readonly releasedWith?: string;
}

/**
 * Policies of the changed environments as of base, in promotion order. An environment the base does
 * not know (new at head) cannot be judged by its own, untrusted policy: it is refused until its
 * policy lands on its own.
 */
function policiesFor(
  chain: readonly EnvironmentSpec[],
  changed: readonly string[],
  violations: GuardViolation[],
): EnvPolicy[] {
  for (const env of changed.filter((e) => !chain.some((p) => p.name === e)).sort(cmp)) {
    violations.push({
      env,
      rule: 'new-environment',
      message: `${env} has no policy on the base revision, so nothing can judge its release (the head's policy is not trusted)`,
      objects: [`environments/${env}/environment.ts`, `manifests/${env}/`],
      overridable: false,
    });
  }
  const steps = new Map<string, number>();
  for (const p of chain) {
    const partner = p.promotion.releasedWith;
    steps.set(p.name, partner && steps.has(partner) ? steps.get(partner)! : new Set(steps.values()).size + 1);
  }
  return chain
    .filter((p) => changed.includes(p.name))
    .map((p) => {
      const releasedWith = p.promotion.releasedWith;
      return {
        env: p.name,
        policy: p,
        step: steps.get(p.name)!,
        wave: releasedWith ? 2 : 1,
        ...(releasedWith ? { releasedWith } : {}),
      };
    });
}

/** Files an environment's policy is read from: its `environment.ts` and what that imports under `environments/`. */
const ENVIRONMENTS = 'environments';
const POLICY_FILE = 'environment.ts';
/** How a policy edit is named among the objects of a release order (`apiVersion/kind/namespace` + `/<env>`). */
const POLICY_OBJECT = 'platform.insure.example/v1/EnvironmentPolicy/';

/**
 * The policy edits between base and head, by environment: a change to an environment's
 * `environment.ts`, or to an environment file it imports (dr takes prod's policy), changes what
 * the environment enforces even when no manifest changes, so it is a change to that environment,
 * high risk, shown line by line. Read as text; nothing is evaluated.
 */
function policyChanges(
  root: string,
  base: string,
  head: string,
  trees: { base: EnvironmentTree; head: EnvironmentTree },
): Map<string, AppRelease> {
  const before = trees.base;
  const after = trees.head;
  const out = new Map<string, AppRelease>();
  const differs = [...new Set([...before.keys(), ...after.keys()])].some(
    (p) => p.endsWith('.ts') && before.get(p) !== after.get(p),
  );
  if (!differs) return out;
  const texts = readBlobs(
    root,
    [...before, ...after].filter(([p]) => p.endsWith('.ts')).map(([, sha]) => sha),
  );
  const envs = [...new Set([...before.keys(), ...after.keys()].map((p) => p.split('/')[1]!))].sort(cmp);
  for (const env of envs) {
    const file = `${ENVIRONMENTS}/${env}/${POLICY_FILE}`;
    const sources = new Set<string>([file]);
    for (const tree of [before, after]) {
      const sha = tree.get(file);
      if (sha) for (const dep of importsOf(file, texts.get(sha) ?? '')) sources.add(dep);
    }
    const edited = [...sources].filter((f) => before.get(f) !== after.get(f)).sort(cmp);
    if (edited.length === 0) continue;
    const fields = edited.flatMap((f) => lineChanges(root, base, head, f));
    const change: Change = {
      env,
      app: 'policy',
      kind: 'other',
      object: `${POLICY_OBJECT}/${env}`,
      risk: 'high',
      triggers: ['other'],
      fields,
    };
    out.set(env, {
      app: 'policy',
      status: before.has(file) ? (after.has(file) ? 'changed' : 'removed') : 'added',
      version: {},
      risk: 'high',
      changes: [change],
      rollout: [],
    });
  }
  return out;
}

/** The files under `environments/` at `rev`: path → blob SHA. */
function environmentTree(root: string, rev: string): EnvironmentTree {
  return new Map(listTree(root, rev, ENVIRONMENTS).map((e) => [e.path, e.sha]));
}

/** Repository files under `environments/` that `file` imports with a relative path. */
function importsOf(file: string, text: string): string[] {
  const dir = file.slice(0, file.lastIndexOf('/'));
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const parts = `${dir}/${m[1]}`.split('/');
    const path: string[] = [];
    for (const p of parts) {
      if (p === '..') path.pop();
      else if (p !== '.') path.push(p);
    }
    const resolved = path.join('/');
    if (resolved.startsWith(`${ENVIRONMENTS}/`)) out.push(resolved);
  }
  return out;
}

/**
 * The lines of `file` that differ between base and head, one field per hunk (`environments/prod/environment.ts:12`).
 */
function lineChanges(root: string, base: string, head: string, file: string): FieldChange[] {
  const diff = git(root, ['diff', '--no-color', '--no-ext-diff', '--unified=0', base, head, '--', file]);
  const out: FieldChange[] = [];
  let current: { line: number; before: string[]; after: string[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    const path = `${file}:${current.line}`;
    out.push({
      path,
      segments: [{ key: path }],
      keys: [],
      ...(current.before.length > 0 ? { before: current.before.join('\n') } : {}),
      ...(current.after.length > 0 ? { after: current.after.join('\n') } : {}),
    });
  };
  for (const line of diff.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      flush();
      current = { line: Number(hunk[1]), before: [], after: [] };
    } else if (current && line.startsWith('-') && !line.startsWith('---')) current.before.push(line.slice(1));
    else if (current && line.startsWith('+') && !line.startsWith('+++')) current.after.push(line.slice(1));
  }
  flush();
  return out;
}

/** The apps of one environment's changes; `before` and `after` are the environment's objects. */
function appReleases(
  env: string,
  policy: EnvironmentSpec,
  changes: readonly ObjectChange[],
  before: readonly PlacedObject[],
  after: readonly PlacedObject[],
): AppRelease[] {
  const byApp = groupBy(changes, (c) => c.app);
  const beforeByApp = groupBy(before, (p) => p.app);
  const afterByApp = groupBy(after, (p) => p.app);
  const names = [...byApp.keys()].sort(cmp);
  return names.map((app) => {
    const old = (beforeByApp.get(app) ?? []).map((p) => p.object);
    const now = (afterByApp.get(app) ?? []).map((p) => p.object);
    const rollout = rolloutPlans(old, now);
    const recreating = new Set(rollout.filter((p) => p.inPlace === false).map((p) => p.object));
    const appChanges = byApp
      .get(app)!
      .map((c): Change => {
        const touchesPods = recreating.has(c.object) && c.fields.some((f) => f.path.startsWith('spec.template'));
        const triggers = triggersOf(c, touchesPods);
        const kind = (c.after ?? c.before)!.kind;
        return {
          env,
          app,
          kind: c.kind,
          object: c.object,
          risk: riskOf(triggers, policy),
          triggers,
          fields: c.fields.map((f) => redactChange(kind, f)),
        };
      })
      .sort((x, y) => cmp(x.object, y.object) || CHANGE_KINDS.indexOf(x.kind) - CHANGE_KINDS.indexOf(y.kind));
    const status = old.length === 0 ? 'added' : now.length === 0 ? 'removed' : 'changed';
    const version = { ...optional('before', versionOf(old, app)), ...optional('after', versionOf(now, app)) };
    return { app, status, version, risk: maxRisk(appChanges.map((c) => c.risk)), changes: appChanges, rollout };
  });
}

/** Apps with objects at base and none at head, among one environment's objects. */
function appsOnlyIn(before: readonly PlacedObject[], after: readonly PlacedObject[]): string[] {
  const now = new Set(after.map((p) => p.app));
  const gone = new Set(before.filter((p) => !now.has(p.app) && p.file.includes('/apps/')).map((p) => p.app));
  return [...gone].sort(cmp);
}

/** Items grouped by `key`, each group in the items' order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = out.get(k);
    if (group) group.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * True when `env` has files at base and, at head, no file or only changed files holding no object;
 * `hasObjects` tells whether the changed files of `env` hold any object at head.
 */
function emptyAtHead(delta: ManifestDelta, env: string, hasObjects: boolean): boolean {
  const baseFiles = [...delta.baseFiles.keys()].filter((f) => envOf(f) === env);
  if (baseFiles.length === 0) return false;
  const headFiles = [...delta.headFiles].filter(([f]) => envOf(f) === env);
  // An unchanged file still holds what it held at base, so the environment is not empty.
  if (headFiles.some(([f, sha]) => delta.baseFiles.get(f) === sha)) return false;
  return !hasObjects && delta.broken.every((b) => envOf(b.file) !== env);
}

/** The app's version label, from the first object that carries it. */
function versionOf(objects: readonly KubeObject[], app: string): string | undefined {
  const labelled =
    objects.find((o) => o.metadata.labels?.[LABELS.name] === app && o.metadata.labels?.[LABELS.version]) ??
    objects.find((o) => o.metadata.labels?.[LABELS.version]);
  return labelled?.metadata.labels?.[LABELS.version];
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

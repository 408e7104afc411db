/**
 * The release order between two revisions: every change to `manifests/`,
 * grouped by environment in promotion order and then by app, with its risk,
 * the approvals it needs, the rollout plan that will run, and the verdict of
 * the deletion guard. Reads git only; never the work tree.
 */
import { revParse } from '../git/git.ts';
import { LABELS } from '../workload/labels.ts';
import type { KubeObject } from '../render/yaml.ts';
import type { EnvironmentSpec, ReleaseChangeKind, RiskLevel, RiskTrigger } from '../spec/environment.ts';
import type { LoadedEnvironment } from '../spec/project.ts';
import { cmp } from '../util/compare.ts';
import { approvalsFor } from './approvals.ts';
import { CHANGE_KINDS, diffObjects, type FieldChange, type ObjectChange } from './diff.ts';
import { checkDeletions, findOverrides, type GuardViolation, type Override } from './guard.ts';
import { countObjects, envOf, readManifestDelta, type ManifestDelta, type PlacedObject } from './manifests.ts';
import { rolloutPlans, type RolloutPlan } from './plan.ts';
import { redactChange } from './redact.ts';
import { environmentsAt } from './revision.ts';
import { maxRisk, riskOf, triggersOf } from './risk.ts';
import { verifyHead } from './verify.ts';

/** One classified change, with its risk; secrets redacted. */
export interface Change {
  readonly env: string;
  readonly app: string;
  readonly kind: ReleaseChangeKind;
  /** `apiVersion/kind/namespace/name`. */
  readonly object: string;
  readonly risk: RiskLevel;
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
  readonly risk: RiskLevel;
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
  readonly risk: RiskLevel;
  readonly approvalsRequired: number;
  readonly approvers: readonly string[];
  readonly apps: readonly AppRelease[];
}

/** The deletion guard's verdict on the whole order. */
export interface GuardVerdict {
  /** True when violations exist and no override was given: the order must not be merged. */
  readonly blocked: boolean;
  readonly violations: readonly GuardViolation[];
  readonly overrides: readonly Override[];
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
  /** With `--verify`: `fresh` when the head re-rendered to its committed manifests, `failed` when its specs do not render; else `unchecked`. */
  readonly verified: 'fresh' | 'failed' | 'unchecked';
}

/** Options of `buildReleaseOrder`. */
export interface ReleaseOrderOptions {
  /** Re-render the head's specs and fail if its committed manifests are stale. */
  readonly verify?: boolean;
}

/** Thrown when `--verify` finds the head's manifests stale against its specs. */
export class StaleManifestsError extends Error {
  constructor(head: string, report: string) {
    super(`the manifests committed at ${head.slice(0, 12)} are stale against its apps/ and environments/; run \`npm run synth\` on that revision and commit the result:\n${report}`);
    this.name = 'StaleManifestsError';
  }
}

/** Builds the release order from `baseRef` to `headRef` in the repository at `root`. */
export async function buildReleaseOrder(root: string, baseRef: string, headRef: string, options: ReleaseOrderOptions = {}): Promise<ReleaseOrder> {
  const base = revParse(root, baseRef);
  const head = revParse(root, headRef);
  const violations: GuardViolation[] = [];
  let verified: ReleaseOrder['verified'] = 'unchecked';
  if (options.verify) {
    const result = verifyHead(root, head);
    if (result.status === 'stale') throw new StaleManifestsError(head, result.report);
    if (result.status === 'failed') violations.push({ env: '*', rule: 'broken-render', message: `the head's specs do not render: ${result.report}`, objects: [] });
    verified = result.status;
  }
  const delta = readManifestDelta(root, base, head);
  const policies = await policiesFor(root, base, head, delta.changedEnvs);
  const objectChanges = diffObjects(delta.before, delta.after);

  const environments: EnvironmentRelease[] = [];
  const changes: Change[] = [];
  for (const { env, policy, step, wave, releasedWith } of policies) {
    const inEnv = objectChanges.filter((c) => c.env === env);
    const removedApps = appsOnlyIn(delta.before, delta.after, env);
    violations.push(
      ...checkDeletions({
        env,
        policy,
        changes: inEnv,
        removedApps,
        baseObjects: () => countObjects(root, delta.baseFiles, env),
        emptyAtHead: emptyAtHead(delta, env),
        broken: delta.broken.filter((b) => envOf(b.file) === env),
      }),
    );
    if (inEnv.length === 0) continue;
    const apps = appReleases(env, policy, inEnv, delta.before, delta.after);
    const risk = maxRisk(apps.map((a) => a.risk));
    environments.push({ env, step, wave, ...(releasedWith ? { releasedWith } : {}), risk, ...approvalsFor(policy, risk), apps });
    for (const a of apps) changes.push(...a.changes);
  }
  const overrides = findOverrides(root, base, head);
  return {
    base,
    head,
    environments,
    changes,
    guard: { blocked: violations.length > 0 && overrides.length === 0, violations, overrides },
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

/** Policies of the changed environments as of head (as of base for an environment gone at head), in promotion order. */
async function policiesFor(root: string, base: string, head: string, changed: readonly string[]): Promise<EnvPolicy[]> {
  if (changed.length === 0) return [];
  const atHead = await environmentsAt(root, head);
  const missing = changed.filter((e) => !atHead.some((l) => l.spec.name === e));
  const atBase: LoadedEnvironment[] = missing.length > 0 ? await environmentsAt(root, base) : [];
  const ordered = [...atHead, ...atBase.filter((l) => missing.includes(l.spec.name))];
  const unknown = changed.filter((e) => !ordered.some((l) => l.spec.name === e));
  if (unknown.length > 0) {
    throw new Error(`manifests/${unknown[0]}/ belongs to no environment at ${head.slice(0, 12)} or ${base.slice(0, 12)}; add environments/${unknown[0]}/environment.ts or remove the folder`);
  }
  const steps = new Map<string, number>();
  for (const l of ordered) {
    const partner = l.spec.promotion.releasedWith;
    steps.set(l.spec.name, partner && steps.has(partner) ? steps.get(partner)! : new Set(steps.values()).size + 1);
  }
  return ordered
    .filter((l) => changed.includes(l.spec.name))
    .map((l) => {
      const releasedWith = l.spec.promotion.releasedWith;
      return { env: l.spec.name, policy: l.spec, step: steps.get(l.spec.name)!, wave: releasedWith ? 2 : 1, ...(releasedWith ? { releasedWith } : {}) };
    });
}

function appReleases(env: string, policy: EnvironmentSpec, changes: readonly ObjectChange[], before: readonly PlacedObject[], after: readonly PlacedObject[]): AppRelease[] {
  const names = [...new Set(changes.map((c) => c.app))].sort(cmp);
  return names.map((app) => {
    const old = before.filter((p) => p.env === env && p.app === app).map((p) => p.object);
    const now = after.filter((p) => p.env === env && p.app === app).map((p) => p.object);
    const rollout = rolloutPlans(old, now);
    const recreating = new Set(rollout.filter((p) => p.inPlace === false).map((p) => p.object));
    const appChanges = changes
      .filter((c) => c.app === app)
      .map((c): Change => {
        const touchesPods = recreating.has(c.object) && c.fields.some((f) => f.path.startsWith('spec.template'));
        const triggers = triggersOf(c, touchesPods);
        const kind = (c.after ?? c.before)!.kind;
        return { env, app, kind: c.kind, object: c.object, risk: riskOf(triggers, policy), triggers, fields: c.fields.map((f) => redactChange(kind, f)) };
      })
      .sort((x, y) => cmp(x.object, y.object) || CHANGE_KINDS.indexOf(x.kind) - CHANGE_KINDS.indexOf(y.kind));
    const status = old.length === 0 ? 'added' : now.length === 0 ? 'removed' : 'changed';
    const version = { ...optional('before', versionOf(old, app)), ...optional('after', versionOf(now, app)) };
    return { app, status, version, risk: maxRisk(appChanges.map((c) => c.risk)), changes: appChanges, rollout };
  });
}

/** Apps with objects at base and none at head in `env`. */
function appsOnlyIn(before: readonly PlacedObject[], after: readonly PlacedObject[], env: string): string[] {
  const now = new Set(after.filter((p) => p.env === env).map((p) => p.app));
  const gone = new Set(before.filter((p) => p.env === env && !now.has(p.app) && p.file.includes('/apps/')).map((p) => p.app));
  return [...gone].sort(cmp);
}

/** True when `env` has files at base and, at head, no file or only changed files holding no object. */
function emptyAtHead(delta: ManifestDelta, env: string): boolean {
  const baseFiles = [...delta.baseFiles.keys()].filter((f) => envOf(f) === env);
  if (baseFiles.length === 0) return false;
  const headFiles = [...delta.headFiles].filter(([f]) => envOf(f) === env);
  // An unchanged file still holds what it held at base, so the environment is not empty.
  if (headFiles.some(([f, sha]) => delta.baseFiles.get(f) === sha)) return false;
  return !delta.after.some((p) => p.env === env) && delta.broken.every((b) => envOf(b.file) !== env);
}

/** The app's version label, from the first object that carries it. */
function versionOf(objects: readonly KubeObject[], app: string): string | undefined {
  const labelled = objects.find((o) => o.metadata.labels?.[LABELS.name] === app && o.metadata.labels?.[LABELS.version]) ?? objects.find((o) => o.metadata.labels?.[LABELS.version]);
  return labelled?.metadata.labels?.[LABELS.version];
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

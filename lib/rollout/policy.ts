/**
 * Rollout safety rules, run by `validate` (and by `synth` before anything is
 * written) on rendered manifests. Each rule has a stable id; limits that differ
 * between environments come from the environment's `rollout` policy.
 */
import type { RenderedFile } from '../kube/object.ts';
import type { KubeObject } from '../kube/object.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import type { AcrossFinding, Finding, Rule } from '../kube/rule.ts';
import { LABELS } from '../workload/labels.ts';
import { cmp } from '../util/compare.ts';
import { CLONESET_API_VERSION, IN_PLACE_UPDATE_READY, KRUISE_ROLLOUT_API_VERSION } from './kruise.ts';
import { ROLLOUT_ANNOTATIONS, rolloutPlanOf } from './plan.ts';

/** Kubernetes' default grace period, used when a pod template sets none. */
const DEFAULT_GRACE_SECONDS = 30;

interface Container {
  name?: string;
  ports?: unknown[];
  readinessProbe?: unknown;
  env?: { name?: string; value?: string }[];
  lifecycle?: { preStop?: { sleep?: { seconds?: number }; exec?: { command?: string[] } } };
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    containers?: Container[];
    terminationGracePeriodSeconds?: number;
    readinessGates?: { conditionType?: string }[];
  };
}

type Spec = Record<string, unknown>;

/** Whether `o` is a long-running workload whose updates the rules govern (Deployment or CloneSet). */
function isWorkload(o: KubeObject): boolean {
  return (
    (o.apiVersion === 'apps/v1' && o.kind === 'Deployment') ||
    (o.apiVersion === CLONESET_API_VERSION && o.kind === 'CloneSet')
  );
}

function specOf(o: KubeObject): Spec {
  return (o.spec ?? {}) as Spec;
}

function templateOf(o: KubeObject): PodTemplate {
  return (specOf(o).template ?? {}) as PodTemplate;
}

/** Pods the workload runs at least: its autoscaler's floor when one targets it, else `spec.replicas` (default 1). */
export function replicaFloor(workload: KubeObject, file: readonly KubeObject[]): number {
  const hpa = file.find((o) => {
    if (o.kind !== 'HorizontalPodAutoscaler') return false;
    const ref = (specOf(o).scaleTargetRef ?? {}) as { kind?: string; name?: string };
    return ref.kind === workload.kind && ref.name === workload.metadata.name;
  });
  if (hpa) return Number(specOf(hpa).minReplicas ?? 1);
  return Number(specOf(workload).replicas ?? 1);
}

/** The maxUnavailable of a workload's updates, with Kubernetes' and OpenKruise's defaults. */
export function maxUnavailableOf(workload: KubeObject): number | string {
  const spec = specOf(workload);
  if (workload.kind === 'CloneSet')
    return ((spec.updateStrategy ?? {}) as { maxUnavailable?: number | string }).maxUnavailable ?? '20%';
  const strategy = (spec.strategy ?? {}) as { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
  if (strategy.type === 'Recreate') return '100%';
  return strategy.rollingUpdate?.maxUnavailable ?? '25%';
}

function positive(v: number | string): boolean {
  return typeof v === 'number' ? v > 0 : Number.parseFloat(v) > 0;
}

/** Whether `selector` (matchLabels) selects pods labelled `labels`. */
/**
 * Whether a Service of the same manifest file sends requests to the workload's pods: only then can an update drop
 * requests.
 */
function servesTraffic(w: KubeObject, file: readonly KubeObject[]): boolean {
  const labels = templateOf(w).metadata?.labels ?? {};
  return file.some(
    (o) =>
      o.kind === 'Service' &&
      selects({ matchLabels: (specOf(o) as { selector?: Record<string, string> }).selector }, labels),
  );
}

function selects(selector: unknown, labels: Record<string, string>): boolean {
  const match = ((selector ?? {}) as { matchLabels?: Record<string, string> }).matchLabels ?? {};
  const keys = Object.keys(match);
  return keys.length > 0 && keys.every((k) => labels[k] === match[k]);
}

/**
 * Seconds the preStop hook (native `sleep`, or exec `sleep N`) or the app's declared own delay holds a stopping pod.
 */
export function preStopHoldSeconds(workload: KubeObject): number {
  let hold = 0;
  for (const c of templateOf(workload).spec?.containers ?? []) {
    const preStop = c.lifecycle?.preStop;
    if (preStop?.sleep?.seconds !== undefined) hold = Math.max(hold, preStop.sleep.seconds);
    const command = (preStop?.exec?.command ?? []).join(' ');
    const m = /(?:^|\s|;|&&)sleep\s+(\d+)(?:\s|$|;)/.exec(command);
    if (m) hold = Math.max(hold, Number(m[1]));
  }
  const own = Number(workload.metadata.annotations?.[ROLLOUT_ANNOTATIONS.shutdownDelaySeconds] ?? 0);
  return Math.max(hold, Number.isFinite(own) ? own : 0);
}

/**
 * Seconds the app drains after SIGTERM: the platform's annotation, or Spring Boot's
 * `SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE`, whichever is longer.
 */
export function drainSecondsOf(workload: KubeObject): number {
  let drain = Number(workload.metadata.annotations?.[ROLLOUT_ANNOTATIONS.drainSeconds] ?? 0);
  if (!Number.isFinite(drain)) drain = 0;
  for (const c of templateOf(workload).spec?.containers ?? []) {
    const value = c.env?.find((e) => e.name === 'SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE')?.value;
    if (value !== undefined) drain = Math.max(drain, springDurationSeconds(value));
  }
  return drain;
}

/** A Spring Boot duration (`20s`, `1m`, `500ms`, `PT30S`; a bare number is milliseconds) in seconds. */
export function springDurationSeconds(value: string): number {
  const simple = /^(\d+)(ns|us|ms|s|m|h|d)?$/.exec(value.trim());
  if (simple) {
    const per: Record<string, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };
    return Number(simple[1]) * per[simple[2] ?? 'ms']!;
  }
  const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(value.trim());
  if (iso) return Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0);
  return 0;
}

/** String values in the pod template that equal `version`, outside images and pod metadata. */
function versionedFields(workload: KubeObject, version: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (v === version) out.push(path);
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (k !== 'image') walk(x, `${path}.${k}`);
    }
  };
  walk(templateOf(workload).spec, 'spec.template.spec');
  return out;
}

/** Whether a CloneSet is set to update in place. */
function updatesInPlace(o: KubeObject): boolean {
  const type = ((specOf(o).updateStrategy ?? {}) as { type?: string }).type;
  return o.kind === 'CloneSet' && (type === 'InPlaceIfPossible' || type === 'InPlaceOnly');
}

const workloadRule = (
  id: string,
  description: string,
  check: (w: KubeObject, env: EnvironmentSpec, file: readonly KubeObject[]) => Finding[],
): Rule => ({
  id,
  description,
  exceptable: false,
  check: (object, env, file = [object]) => (isWorkload(object) ? check(object, env, file) : []),
});

/** The rollout safety rules, in report order. */
export const ROLLOUT_RULES: readonly Rule[] = [
  workloadRule('rollout-grace-period', 'the grace period is longer than the preStop delay plus the drain', (w) => {
    const grace = templateOf(w).spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const hold = preStopHoldSeconds(w);
    const drain = drainSecondsOf(w);
    if (grace > hold + drain) return [];
    return [
      {
        message: `terminationGracePeriodSeconds (${grace}) is not above the preStop delay (${hold} s) plus the drain (${drain} s): the kubelet kills the container while requests are still in flight`,
        fix: 'render it from the spec with `npm run synth` (the grace period becomes preStop + drain + 5 s), or lower rollout.drainSeconds',
      },
    ];
  }),
  workloadRule(
    'rollout-max-unavailable',
    "updates take no pods away from workloads below the environment's replica floor",
    (w, env, file) => {
      const floor = env.rollout?.minReplicasForUnavailable;
      if (floor === undefined || !servesTraffic(w, file)) return [];
      const replicas = replicaFloor(w, file);
      const unavailable = maxUnavailableOf(w);
      if (replicas >= floor || !positive(unavailable)) return [];
      return [
        {
          message: `maxUnavailable (${unavailable}) takes pods out of service during an update with only ${replicas} replica(s); ${env.name} allows that from ${floor} replicas`,
          fix: `raise replicas to ${floor} or more in ${env.name} (overrides.${env.name}.replicas), or release with a surge and maxUnavailable 0 (strategy 'rolling')`,
        },
      ];
    },
  ),
  workloadRule('rollout-readiness-probe', 'containers behind a Service have a readiness probe', (w, _env, file) =>
    (servesTraffic(w, file) ? (templateOf(w).spec?.containers ?? []) : [])
      .filter((c) => (c.ports ?? []).length > 0 && !c.readinessProbe)
      .map((c) => ({
        message: `container '${c.name}' is behind a Service but has no readiness probe: it gets requests before it can answer them and while it shuts down`,
        fix: "add health: { readiness: '/ready' } to the app spec",
      })),
  ),
  workloadRule(
    'rollout-pdb-required',
    'workloads of two or more replicas have a PodDisruptionBudget',
    (w, _env, file) => {
      const replicas = replicaFloor(w, file);
      if (replicas < 2) return [];
      const labels = templateOf(w).metadata?.labels ?? {};
      if (file.some((o) => o.kind === 'PodDisruptionBudget' && selects(specOf(o).selector, labels))) return [];
      return [
        {
          message: `${replicas} replicas and no PodDisruptionBudget selects them: a node drain may evict every pod at once`,
          fix: 'render the app with `npm run synth`; the platform adds a PodDisruptionBudget from two replicas',
        },
      ];
    },
  ),
  {
    id: 'rollout-pdb-allows-eviction',
    description: 'PodDisruptionBudgets let at least one pod be evicted',
    exceptable: false,
    check: (object, _env, file = [object]) => {
      if (object.kind !== 'PodDisruptionBudget') return [];
      const spec = specOf(object) as {
        maxUnavailable?: number | string;
        minAvailable?: number | string;
        selector?: unknown;
      };
      const fix = 'let one pod go at a time: maxUnavailable: 1 (render it from the spec with `npm run synth`)';
      if (spec.maxUnavailable !== undefined && !positive(spec.maxUnavailable)) {
        return [
          {
            message: `maxUnavailable is ${spec.maxUnavailable}: no pod can ever be evicted, so node drains and cluster upgrades hang`,
            fix,
          },
        ];
      }
      if (spec.minAvailable === undefined) return [];
      if (spec.minAvailable === '100%')
        return [
          {
            message: 'minAvailable is 100%: no pod can ever be evicted, so node drains and cluster upgrades hang',
            fix,
          },
        ];
      const workload = file.find((o) => isWorkload(o) && selects(spec.selector, templateOf(o).metadata?.labels ?? {}));
      if (typeof spec.minAvailable === 'number' && workload && spec.minAvailable >= replicaFloor(workload, file)) {
        return [
          {
            message: `minAvailable (${spec.minAvailable}) is not below the ${replicaFloor(workload, file)} replica(s) it guards: no pod can be evicted`,
            fix,
          },
        ];
      }
      return [];
    },
  },
  workloadRule('rollout-in-place-capable', 'an in-place strategy runs on a workload that can update in place', (w) => {
    const declared = w.metadata.annotations?.[ROLLOUT_ANNOTATIONS.strategy];
    const findings: Finding[] = [];
    if ((declared === 'in-place' || (declared === 'batches' && w.kind === 'CloneSet')) && !updatesInPlace(w)) {
      findings.push({
        message: `the rollout is '${declared}' but this ${w.kind} recreates its pods on every update, which changes their IPs`,
        fix: "render it from the spec with `npm run synth` (an in-place app becomes a CloneSet with updateStrategy.type 'InPlaceIfPossible' or 'InPlaceOnly')",
      });
    }
    if (!updatesInPlace(w)) return findings;
    const gates = templateOf(w).spec?.readinessGates ?? [];
    if (!gates.some((g) => g.conditionType === IN_PLACE_UPDATE_READY)) {
      findings.push({
        message: `the pod template lacks the ${IN_PLACE_UPDATE_READY} readiness gate: pods stay in the Service endpoints while their image is swapped, so requests reach a restarting container`,
        fix: `add readinessGates: [{ conditionType: ${IN_PLACE_UPDATE_READY} }] (render it from the spec with \`npm run synth\`)`,
      });
    }
    const version = w.metadata.labels?.[LABELS.version];
    if (version && version.length >= 3) {
      for (const path of versionedFields(w, version)) {
        findings.push({
          message: `${path} holds the version '${version}': every release changes it, and OpenKruise can only change images and pod metadata in place, so each release recreates the pods and changes their IPs`,
          fix: 'read the version from the image or from the app.kubernetes.io/version label (downward API), not from a field of the pod spec',
        });
      }
    }
    return findings;
  }),
  {
    id: 'rollout-manual-gate',
    description: 'staged batches wait for a person where the environment requires a manual gate',
    exceptable: false,
    check: (object, env, file = [object]) => {
      if (
        object.apiVersion !== KRUISE_ROLLOUT_API_VERSION ||
        object.kind !== 'Rollout' ||
        env.rollout?.requireManualGate !== true
      )
        return [];
      const plan = rolloutPlanOf(file.includes(object) ? file : [...file, object]);
      if (plan?.manualGate) return [];
      return [
        {
          message: `the batches run through to 100% without waiting for a person; ${env.name} requires a manual gate`,
          fix: 'make a batch wait for confirmation, e.g. rollout.batches: [{ percent: 10, manual: true }, { percent: 50, pauseSeconds: 600 }, { percent: 100 }]',
        },
      ];
    },
  },
  {
    id: 'rollout-same-strategy-in-wave',
    description: 'environments released together (prod and dr) roll each app out with the same strategy',
    exceptable: false,
    check: () => [],
    checkAcross: sameStrategyInWave,
  },
];

/** For each environment released with another, each app present in both must use the same strategy in both. */
function sameStrategyInWave(
  files: readonly RenderedFile[],
  environments: ReadonlyMap<string, EnvironmentSpec>,
): AcrossFinding[] {
  const out: AcrossFinding[] = [];
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const env of [...environments.values()].sort((a, b) => cmp(a.name, b.name))) {
    const partner = env.promotion.releasedWith;
    if (!partner) continue;
    for (const file of files) {
      if (file.env !== env.name || !file.path.startsWith(`${env.name}/apps/`)) continue;
      const other = byPath.get(`${partner}/apps/${file.path.slice(`${env.name}/apps/`.length)}`);
      if (!other) continue;
      const mine = rolloutPlanOf(file.objects);
      const theirs = rolloutPlanOf(other.objects);
      if (!mine || !theirs || mine.strategy === theirs.strategy) continue;
      const app = mine.workload.metadata.name;
      out.push({
        file: file.path,
        object: `${mine.workload.apiVersion}/${mine.workload.kind}/${(mine.workload.metadata as { namespace?: string }).namespace ?? ''}/${app}`,
        message: `'${app}' is released with '${theirs.strategy}' in ${partner} but '${mine.strategy}' in ${env.name}, which is released with ${partner} in the same release order`,
        fix: `use one strategy in both: drop the per-environment rollout override of ${app}, or align rollout policy of environments/${env.name} and environments/${partner}`,
      });
    }
  }
  return out;
}

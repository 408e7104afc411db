/**
 * Resolution: one app spec + one environment + its pinned version → the
 * fully-defaulted app the constructs render. Defaults are decided here, once.
 */
import type { AppSpec, EnvValue, PortSpec, Runtime, WorkloadKind } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';
import { resolveRollout, type ResolvedRollout } from './rollout.ts';
import { resolveLogs, type ResolvedLogs } from './logs.ts';
import { resolveMetrics, type ResolvedMetrics } from './metrics.ts';

/** An app's release pinned for one environment: its image and, outside the chain's entry, its spec. */
export interface PinnedVersion {
  /** Image tag. */
  readonly tag: string;
  /** `sha256:` digest, when pinned. */
  readonly digest?: string;
  /**
   * Git blob id of the app's spec text (`apps/<app>.ts`) the environment runs. The chain's entry
   * renders the work tree's spec and pins none; elsewhere a pin without it renders the work tree too
   * (repositories from before spec pins) until `pin-specs` or a promotion pins it.
   */
  readonly spec?: string;
}

/** Resolved health probes. */
export interface ResolvedHealth {
  readonly readiness: string;
  readonly liveness: string;
  readonly startup: string;
  /** Container port number the probes call. */
  readonly port: number;
  readonly startupSeconds: number;
}

/** Resolved resource requests and limits. */
export interface ResolvedResources {
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit?: string;
  readonly memoryLimit: string;
}

/** Resolved autoscaling. */
export interface ResolvedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number;
}

/** An app with every default applied, for one environment. */
export interface ResolvedApp {
  readonly name: string;
  readonly team: string;
  readonly namespace: string;
  readonly description?: string;
  readonly kind: WorkloadKind;
  readonly runtime: Runtime;
  /** Full image reference: `repo:tag` or `repo:tag@sha256:…`. */
  readonly image: string;
  readonly version: PinnedVersion;
  readonly ports: readonly PortSpec[];
  readonly health?: ResolvedHealth;
  readonly resources: ResolvedResources;
  readonly replicas: number;
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly config: Readonly<Record<string, string>>;
  readonly configDir: string;
  readonly autoscaling?: ResolvedAutoscaling;
  readonly schedule?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly network: {
    readonly allowFrom: readonly string[];
    readonly fromIngress: boolean;
    readonly callsApps: readonly string[];
    readonly egress: readonly string[];
  };
  readonly writableRootFilesystem: boolean;
  readonly securityReason?: string;
  /** Env vars (`env.NAME`) and config files (`config.file`) that look secret but are not, with the reason. */
  readonly notSecrets: Readonly<Record<string, string>>;
  /** Release strategy and shutdown timing. */
  readonly rollout: ResolvedRollout;
  /** The log directory, collected by a sidecar; `undefined` for stdout-only apps. */
  readonly logs?: ResolvedLogs;
  /** The metrics endpoint and alert thresholds; `undefined` for apps without metrics. */
  readonly metrics?: ResolvedMetrics;
  /** The environment rendered for. */
  readonly environment: EnvironmentSpec;
  /** Repository-relative path of the app's spec file. */
  readonly sourceFile: string;
}

/** Default CPU utilisation target of autoscaling, in percent. */
export const DEFAULT_CPU_UTILIZATION = 70;
/** Default startup budget, in seconds. */
export const DEFAULT_STARTUP_SECONDS = 120;

/** The namespace `app` runs in: its own, or its team's. */
export function namespaceOf(app: AppSpec): string {
  return app.namespace ?? app.team;
}

/** Resolves `app` for `env` with the version pinned there. */
export function resolveApp(
  app: AppSpec,
  env: EnvironmentSpec,
  version: PinnedVersion,
  sourceFile: string,
): ResolvedApp {
  const o = app.overrides?.[env.name] ?? {};
  const ports = app.ports ?? [];
  const resources = { ...app.resources, ...o.resources };
  const memory = resources.memory ?? env.capacity.defaultMemory;
  const autoscaling = o.autoscaling === false ? undefined : (o.autoscaling ?? app.autoscaling);
  const kind = app.kind ?? 'service';
  const image = version.digest ? `${app.image}:${version.tag}@${version.digest}` : `${app.image}:${version.tag}`;
  let health: ResolvedHealth | undefined;
  if (app.health && ports.length > 0) {
    const port = ports.find((p) => p.name === app.health?.port) ?? ports[0]!;
    const liveness = app.health.liveness ?? app.health.readiness;
    health = {
      readiness: app.health.readiness,
      liveness,
      startup: app.health.startup ?? liveness,
      port: port.port,
      startupSeconds: app.health.startupSeconds ?? DEFAULT_STARTUP_SECONDS,
    };
  }
  return {
    name: app.name,
    team: app.team,
    namespace: namespaceOf(app),
    description: app.description,
    kind,
    runtime: app.runtime ?? 'generic',
    image,
    version,
    ports,
    health,
    resources: {
      cpu: resources.cpu ?? env.capacity.defaultCpu,
      memory,
      cpuLimit: resources.cpuLimit,
      memoryLimit: resources.memoryLimit ?? memory,
    },
    replicas: kind === 'cronjob' ? 0 : (o.replicas ?? app.replicas ?? env.capacity.defaultReplicas),
    env: { ...app.env, ...o.env },
    config: { ...app.config, ...o.config },
    configDir: app.configDir ?? '/config',
    autoscaling: autoscaling
      ? {
          minReplicas: autoscaling.minReplicas,
          maxReplicas: autoscaling.maxReplicas,
          cpuUtilization: autoscaling.cpuUtilization ?? DEFAULT_CPU_UTILIZATION,
        }
      : undefined,
    schedule: o.schedule ?? app.schedule,
    command: app.command,
    args: app.args,
    network: {
      allowFrom: app.network?.allowFrom ?? [],
      fromIngress: app.network?.fromIngress ?? false,
      callsApps: app.network?.callsApps ?? [],
      egress: app.network?.egress ?? [],
    },
    writableRootFilesystem: app.security?.writableRootFilesystem ?? false,
    securityReason: app.security?.reason,
    notSecrets: app.notSecrets ?? {},
    rollout: resolveRollout(app, env, kind),
    logs: resolveLogs(app),
    metrics: resolveMetrics(app, env, o),
    environment: env,
    sourceFile,
  };
}

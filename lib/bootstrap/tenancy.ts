/**
 * Team namespaces of one environment, as the bootstrap prepares them: which
 * teams run in which namespace, and whether the namespace's quota holds the
 * apps at their largest scale.
 */
import type { ResolvedApp } from '../spec/resolve.ts';
import { cpuMillis, memoryBytes } from '../spec/quantity.ts';
import type { TenancyPolicy } from '../spec/environment.ts';
import { cmp } from '../util/compare.ts';

/** One team namespace and the teams whose apps run in it. */
export interface TeamNamespace {
  readonly name: string;
  readonly teams: readonly string[];
}

/** The team namespaces of one environment's apps, sorted. */
export function teamNamespaces(apps: readonly ResolvedApp[]): TeamNamespace[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const app of apps) {
    const teams = byNamespace.get(app.namespace) ?? new Set<string>();
    teams.add(app.team);
    byNamespace.set(app.namespace, teams);
  }
  return [...byNamespace]
    .map(([name, teams]) => ({ name, teams: [...teams].sort(cmp) }))
    .sort((a, b) => cmp(a.name, b.name));
}

/** Requests of the apps in one namespace at their largest scale. */
export interface NamespaceUsage {
  readonly namespace: string;
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly memoryLimitBytes: number;
  readonly pods: number;
}

/** Sums each namespace's requests with every app at its maximum replicas (a cron job counts one pod). */
export function namespaceUsage(apps: readonly ResolvedApp[]): NamespaceUsage[] {
  const out = new Map<string, { cpuMillis: number; memoryBytes: number; memoryLimitBytes: number; pods: number }>();
  for (const app of apps) {
    const pods = app.kind === 'cronjob' ? 1 : Math.max(app.replicas, app.autoscaling?.maxReplicas ?? 0);
    const u = out.get(app.namespace) ?? { cpuMillis: 0, memoryBytes: 0, memoryLimitBytes: 0, pods: 0 };
    u.cpuMillis += pods * cpuMillis(app.resources.cpu);
    u.memoryBytes += pods * memoryBytes(app.resources.memory);
    u.memoryLimitBytes += pods * memoryBytes(app.resources.memoryLimit);
    u.pods += pods;
    out.set(app.namespace, u);
  }
  return [...out].map(([namespace, u]) => ({ namespace, ...u })).sort((a, b) => cmp(a.namespace, b.namespace));
}

/** Namespaces whose apps would not fit the quota, each as a sentence naming the fix. */
export function quotaOverruns(usage: readonly NamespaceUsage[], tenancy: TenancyPolicy, file: string): string[] {
  const out: string[] = [];
  const q = tenancy.quota;
  for (const u of usage) {
    if (u.cpuMillis > cpuMillis(q.requestsCpu))
      out.push(
        `${file}: 'tenancy.quota.requestsCpu' (${q.requestsCpu}) is below what namespace ${u.namespace} requests at full scale (${u.cpuMillis}m). Fix: raise it`,
      );
    if (u.memoryBytes > memoryBytes(q.requestsMemory))
      out.push(
        `${file}: 'tenancy.quota.requestsMemory' (${q.requestsMemory}) is below what namespace ${u.namespace} requests at full scale (${Math.ceil(u.memoryBytes / 1024 ** 2)}Mi). Fix: raise it`,
      );
    if (u.memoryLimitBytes > memoryBytes(q.limitsMemory))
      out.push(
        `${file}: 'tenancy.quota.limitsMemory' (${q.limitsMemory}) is below the memory limits of namespace ${u.namespace} at full scale (${Math.ceil(u.memoryLimitBytes / 1024 ** 2)}Mi). Fix: raise it`,
      );
    if (u.pods > q.pods)
      out.push(
        `${file}: 'tenancy.quota.pods' (${q.pods}) is below the pods of namespace ${u.namespace} at full scale (${u.pods}). Fix: raise it`,
      );
  }
  return out;
}

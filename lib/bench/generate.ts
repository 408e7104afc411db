/**
 * Synthetic apps for the render benchmark: a deterministic, realistic mix of
 * the platform's features (services, workers, cronjobs; Spring Boot and Node;
 * autoscaling, config files, secrets, network peers).
 */
import type { AppSpec } from '../spec/app.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { createHash } from 'node:crypto';

const TEAMS = ['policy', 'claims', 'payments', 'customer', 'underwriting', 'partners', 'pricing', 'notifications', 'fraud', 'reporting'];

/** Name of the `i`-th synthetic app. */
export function benchAppName(i: number): string {
  return `${TEAMS[i % TEAMS.length]}-svc-${String(i).padStart(4, '0')}`;
}

/** `n` synthetic app specs; the same `n` always gives the same apps. */
export function generateApps(n: number): AppSpec[] {
  return Array.from({ length: n }, (_, i) => generateApp(i, n));
}

function generateApp(i: number, n: number): AppSpec {
  const name = benchAppName(i);
  const team = TEAMS[i % TEAMS.length]!;
  const bucket = i % 20;
  const kind = bucket < 14 ? 'service' : bucket < 19 ? 'worker' : 'cronjob';
  const spring = i % 3 !== 0;
  const port = spring ? 8080 : 3000;
  const peers = n > 1 ? [benchAppName((i + 1) % n), benchAppName((i + 7) % n)].filter((p) => p !== name) : [];
  const base: AppSpec = {
    name,
    team,
    description: `Synthetic ${kind} #${i} for the render benchmark.`,
    image: `registry.insure.example/${team}/${name}`,
    kind,
    runtime: spring ? 'spring-boot' : 'node',
    resources: { cpu: `${100 + (i % 8) * 50}m`, memory: `${256 * (1 + (i % 6))}Mi` },
    env: {
      LOG_LEVEL: i % 5 === 0 ? 'debug' : 'info',
      FEATURE_FLAGS: `flag-${i % 11},flag-${i % 13}`,
      DB_PASSWORD: { secret: `${name}-db`, key: 'password' },
    },
    config: i % 5 < 2 ? { 'application.yaml': `service:\n  id: ${i}\n  pool: ${10 + (i % 30)}\n` } : undefined,
    network: { allowFrom: kind === 'service' ? peers : [], callsApps: peers, egress: i % 4 === 0 ? ['10.40.0.0/16:5432'] : [] },
    overrides: { prod: { replicas: kind === 'cronjob' ? undefined : 3 + (i % 4) }, dev: { replicas: kind === 'cronjob' ? undefined : 1 } },
  };
  if (kind === 'service') {
    return {
      ...base,
      ports: [{ name: 'http', port }, ...(i % 6 === 0 ? [{ name: 'grpc', port: 9090 }] : [])],
      health: spring ? { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness' } : { readiness: '/ready' },
      autoscaling: i % 3 === 1 ? { minReplicas: 2, maxReplicas: 6 + (i % 10) } : undefined,
      network: { ...base.network, fromIngress: i % 4 === 1 },
      overrides: i % 3 === 1 ? { dev: { autoscaling: false, replicas: 1 } } : base.overrides,
    };
  }
  if (kind === 'worker') return { ...base, replicas: 2 };
  return { ...base, schedule: `${i % 60} ${i % 24} * * *`, network: { callsApps: peers }, overrides: undefined };
}

/** The pin of a synthetic app in an environment: newer versions upstream, a digest everywhere. */
export function benchPin(app: string, envIndex: number): PinnedVersion {
  const tag = `1.${envIndex < 2 ? 5 : 4}.${app.length % 7}`;
  return { tag, digest: `sha256:${createHash('sha256').update(`${app}:${tag}`).digest('hex')}` };
}

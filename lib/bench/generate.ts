/**
 * Synthetic apps for the render benchmark: a deterministic, realistic mix of
 * the platform's features, in about the shares of the sample apps: services,
 * workers and cronjobs; Spring Boot and Node; autoscaling, config files,
 * secrets and network peers; log directories (Java and start-pattern
 * multiline), metrics with alert overrides, and every rollout strategy
 * (fixed-IP in-place, critical batches, rolling).
 */
import type { AppSpec } from '../spec/app.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { createHash } from 'node:crypto';

const TEAMS = [
  'policy',
  'claims',
  'payments',
  'customer',
  'underwriting',
  'partners',
  'pricing',
  'notifications',
  'fraud',
  'reporting',
];

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
    network: {
      allowFrom: kind === 'service' ? peers : [],
      callsApps: peers,
      egress: i % 4 === 0 ? ['10.40.0.0/16:5432'] : [],
    },
    overrides: {
      prod: { replicas: kind === 'cronjob' ? undefined : 3 + (i % 4) },
      dev: { replicas: kind === 'cronjob' ? undefined : 1 },
    },
    // About four in ten apps write log files to a directory: Spring Boot ones with Java stack traces, some Node ones
    // too.
    logs: i % 3 === 2 || i % 9 === 0 ? logsOf(i, spring) : undefined,
  };
  if (kind === 'service') {
    // Fixed-IP partner gateways update in place and critical services in batches, both a pod at a time in
    // production, so they run at least three pods there, as the rollout policy requires.
    const fixedIp = i % 7 === 3;
    const critical = i % 7 === 5;
    return {
      ...base,
      ports: [{ name: 'http', port }, ...(i % 6 === 0 ? [{ name: 'grpc', port: 9090 }] : [])],
      health: spring
        ? { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness' }
        : { readiness: '/ready' },
      autoscaling: i % 3 === 1 && !fixedIp && !critical ? { minReplicas: 2, maxReplicas: 6 + (i % 10) } : undefined,
      network: { ...base.network, fromIngress: i % 4 === 1 },
      overrides:
        fixedIp || critical
          ? { dev: { replicas: 1 }, prod: { replicas: 4 }, dr: { replicas: 3 } }
          : i % 3 === 1
            ? { dev: { autoscaling: false, replicas: 1 } }
            : base.overrides,
      // Half the services are scraped; partner gateways keep their pod IP; payment-like services release in batches.
      metrics: i % 2 === 0 ? { port: 'http', alerts: i % 10 === 0 ? { latencyP99Seconds: 2 } : undefined } : undefined,
      rollout: fixedIp ? { fixedIp: true } : critical ? { critical: true, drainSeconds: 30 } : undefined,
    };
  }
  if (kind === 'worker')
    return {
      ...base,
      replicas: 2,
      ports: [{ name: 'metrics', port: 9100 }],
      metrics: i % 2 === 0 ? { port: 'metrics' } : undefined,
    };
  return {
    ...base,
    schedule: `${i % 60} ${i % 24} * * *`,
    network: { callsApps: peers },
    overrides: undefined,
    logs: undefined,
  };
}

function logsOf(i: number, spring: boolean): AppSpec['logs'] {
  if (spring) return { dir: '/home/admin/logs', multiline: 'java', sizeLimit: i % 2 === 0 ? '2Gi' : undefined };
  return {
    dir: '/var/log/app',
    include: ['*.log', 'audit/*.log'],
    multiline: { startPattern: String.raw`^\d{4}-\d{2}-\d{2}T` },
  };
}

/** The pin of a synthetic app in an environment: newer versions upstream, a digest everywhere. */
export function benchPin(app: string, envIndex: number): PinnedVersion {
  const tag = `1.${envIndex < 2 ? 5 : 4}.${app.length % 7}`;
  return { tag, digest: `sha256:${createHash('sha256').update(`${app}:${tag}`).digest('hex')}` };
}

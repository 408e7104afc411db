/**
 * Meaning checks of specs: names, quantities, clashes and cross references.
 * Shape checks (types, unknown fields) come first, in `schema.ts`.
 */
import type { AppSpec, EnvValue, ResourcesSpec } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';
import type { ProblemSink } from './problems.ts';
import { checkRolloutPolicy, checkRolloutSpec } from '../rollout/spec.ts';
import { checkObservability, checkObservabilityPolicy } from '../observability/rules.ts';

/** DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA service name, as Kubernetes requires for port names. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const CONFIG_FILE = /^[-._a-zA-Z0-9]+$/;
const CIDR_PORT = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}:\d{1,5}$/;
const SECRETISH = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Longest app name: leaves room for suffixes such as `-config` within 63 characters. */
export const MAX_APP_NAME = 40;

/** Checks one app spec's fields on their own (no cross-app references). */
export function checkApp(app: AppSpec, file: string, sink: ProblemSink): void {
  const kind = app.kind ?? 'service';
  checkName(app.name, file, 'name', sink, MAX_APP_NAME);
  checkName(app.team, file, 'team', sink, 63);
  if (app.namespace !== undefined) checkName(app.namespace, file, 'namespace', sink, 63);
  const expectedFile = `${app.name}.ts`;
  if (!file.endsWith(`/${expectedFile}`)) {
    sink.add(file, 'name', app.name, `the file is not named after the app`, `rename the file to apps/${expectedFile}, or set name to the file's base name`);
  }
  if (/[:@]/.test(app.image.split('/').pop() ?? '')) {
    sink.add(file, 'image', app.image, 'image carries a tag or digest', `drop it (write '${app.image.split(/[:@]/)[0]}'); the version is pinned per environment in environments/<env>/versions.json`);
  }
  if (!/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/.test(app.image.split('@')[0] ?? '')) {
    sink.add(file, 'image', app.image, 'not a valid image repository', 'use lowercase host/path, e.g. registry.insure.example/claims/claims-api');
  }

  const ports = app.ports ?? [];
  const seenNames = new Map<string, number>();
  const seenPorts = new Map<number, number>();
  const seenServicePorts = new Map<number, number>();
  ports.forEach((p, i) => {
    const field = `ports[${i}]`;
    if (!PORT_NAME.test(p.name) || p.name.length > 15) {
      sink.add(file, `${field}.name`, p.name, 'not a valid port name', "use at most 15 lowercase letters, digits and '-', e.g. 'http'");
    }
    checkPortNumber(p.port, file, `${field}.port`, sink);
    // A Service may expose any port: it is no socket the container binds.
    if (p.servicePort !== undefined && (p.servicePort < 1 || p.servicePort > 65535)) sink.add(file, `${field}.servicePort`, p.servicePort, 'not a port number', 'use 1 to 65535');
    clash(seenNames, p.name, i, file, `${field}.name`, 'port name', sink);
    clash(seenPorts, p.port, i, file, `${field}.port`, 'container port', sink);
    clash(seenServicePorts, p.servicePort ?? p.port, i, file, `${field}.servicePort`, 'service port', sink);
  });

  if (kind === 'service') {
    if (ports.length === 0) sink.add(file, 'ports', app.ports, 'a service needs at least one port', "add ports: [{ name: 'http', port: 8080 }], or set kind: 'worker'");
    if (!app.health) sink.add(file, 'health', undefined, 'a service needs health endpoints', "add health: { readiness: '/health/ready' } so traffic only reaches ready pods");
  }
  if (app.health) {
    for (const key of ['readiness', 'liveness', 'startup'] as const) {
      const path = app.health[key];
      if (path !== undefined && !path.startsWith('/')) {
        sink.add(file, `health.${key}`, path, 'not an absolute HTTP path', `start it with '/', e.g. '/${path}'`);
      }
    }
    if (app.health.port !== undefined && !ports.some((p) => p.name === app.health?.port)) {
      sink.add(file, 'health.port', app.health.port, 'names no declared port', `use one of: ${ports.map((p) => p.name).join(', ') || '(declare a port first)'}`);
    }
    if (ports.length === 0) sink.add(file, 'health', app.health, 'health endpoints need a port', 'declare the port the endpoints are served on in ports');
    if (app.health.startupSeconds !== undefined && (app.health.startupSeconds < 5 || app.health.startupSeconds > 1800)) {
      sink.add(file, 'health.startupSeconds', app.health.startupSeconds, 'out of range', 'use 5 to 1800 seconds');
    }
  }

  if (kind === 'cronjob') {
    if (app.schedule === undefined) sink.add(file, 'schedule', undefined, 'a cronjob needs a schedule', "add schedule: '30 2 * * *' (minute hour day month weekday)");
    if (app.autoscaling) sink.add(file, 'autoscaling', app.autoscaling, 'a cronjob cannot autoscale', 'remove autoscaling');
    if (app.replicas !== undefined) sink.add(file, 'replicas', app.replicas, 'a cronjob has no replicas', 'remove replicas');
  } else if (app.schedule !== undefined) {
    sink.add(file, 'schedule', app.schedule, `only a cronjob has a schedule (kind is '${kind}')`, "remove schedule, or set kind: 'cronjob'");
  }
  if (app.schedule !== undefined) checkSchedule(app.schedule, file, 'schedule', sink);

  if (app.replicas !== undefined) checkReplicas(app.replicas, file, 'replicas', sink);
  if (app.resources) checkResources(app.resources, file, 'resources', sink);
  if (app.env) checkEnv(app.env, file, 'env', sink);
  if (app.config) checkConfig(app.config, file, 'config', sink);
  if (app.configDir !== undefined && !app.configDir.startsWith('/')) {
    sink.add(file, 'configDir', app.configDir, 'not an absolute path', `write it as '/${app.configDir}'`);
  }
  if (app.autoscaling) checkAutoscaling(app.autoscaling, file, 'autoscaling', sink);
  for (const [i, cidr] of (app.network?.egress ?? []).entries()) {
    if (!CIDR_PORT.test(cidr)) sink.add(file, `network.egress[${i}]`, cidr, 'not a CIDR block with a port', "write it as '10.20.0.0/16:5432'");
  }
  if (app.security && (app.security.writableRootFilesystem ?? false) && !app.security.reason?.trim()) {
    sink.add(file, 'security.reason', app.security.reason, 'a security exception needs a reason', "add reason: 'why the default cannot hold' (it is rendered next to the object)");
  }
  checkRolloutSpec(app, file, sink);

  checkObservability(app, file, sink);

  for (const [envName, o] of Object.entries(app.overrides ?? {})) {
    if (!o) continue;
    const base = `overrides.${envName}`;
    if (o.replicas !== undefined) checkReplicas(o.replicas, file, `${base}.replicas`, sink);
    if (o.resources) checkResources(o.resources, file, `${base}.resources`, sink);
    if (o.env) checkEnv(o.env, file, `${base}.env`, sink);
    if (o.config) checkConfig(o.config, file, `${base}.config`, sink);
    if (o.autoscaling) checkAutoscaling(o.autoscaling, file, `${base}.autoscaling`, sink);
    if (o.schedule !== undefined) checkSchedule(o.schedule, file, `${base}.schedule`, sink);
    if (kind === 'cronjob' && (o.replicas !== undefined || o.autoscaling)) {
      sink.add(file, base, o, 'a cronjob has no replicas or autoscaling', 'remove replicas and autoscaling from the override');
    }
  }
}

/** Checks one environment spec's fields on their own. */
export function checkEnvironment(env: EnvironmentSpec, file: string, folder: string, sink: ProblemSink): void {
  if (env.name !== folder) {
    sink.add(file, 'name', env.name, `does not match its folder '${folder}'`, `set name: '${folder}', or move the file to environments/${env.name}/`);
  }
  if (!/^1\.\d{2}$/.test(env.cluster.kubernetesVersion)) {
    sink.add(file, 'cluster.kubernetesVersion', env.cluster.kubernetesVersion, 'not a Kubernetes minor version', "write it as '1.27'");
  }
  if (!/^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(env.cluster.apiServer)) {
    sink.add(file, 'cluster.apiServer', env.cluster.apiServer, 'not an https URL of a host', "write it as 'https://api.prod.k8s.insure.example:6443'");
  }
  checkReplicas(env.capacity.defaultReplicas, file, 'capacity.defaultReplicas', sink);
  checkResources({ cpu: env.capacity.defaultCpu, memory: env.capacity.defaultMemory }, file, 'capacity', sink, { cpu: 'defaultCpu', memory: 'defaultMemory' });
  if (env.approvals.required < 0 || env.approvals.required > 10) {
    sink.add(file, 'approvals.required', env.approvals.required, 'out of range', 'use 0 to 10');
  }
  if (env.approvals.required > 0 && env.approvals.approvers.length === 0) {
    sink.add(file, 'approvals.approvers', env.approvals.approvers, 'approvals are required but nobody may give them', "list the approver teams, e.g. ['@insure/sre']");
  }
  if (env.cluster.zones.length === 0) sink.add(file, 'cluster.zones', env.cluster.zones, 'no zones', "list the cluster's availability zones");
  checkRolloutPolicy(env, file, sink);
  checkObservabilityPolicy(env, file, sink);
  const share = env.deletionGuard?.maxRemovedShare;
  if (share !== undefined && !(share >= 0 && share <= 1)) sink.add(file, 'deletionGuard.maxRemovedShare', share, 'out of range', 'write a share from 0 to 1 (0.1 is 10 %)');
  const soak = env.promotion.minSoakHours;
  if (soak !== undefined && (soak < 0 || soak > 24 * 30)) sink.add(file, 'promotion.minSoakHours', soak, 'out of range', 'use 0 to 720 hours');
  (env.promotion.freezeWindows ?? []).forEach((w, i) => {
    const field = `promotion.freezeWindows[${i}]`;
    const recurring = w.schedule !== undefined || w.duration !== undefined;
    const oneOff = w.start !== undefined || w.end !== undefined;
    if (recurring === oneOff) {
      sink.add(file, field, w.name, 'a freeze window is either recurring or one-off', "set schedule + duration (recurring) or start + end (one-off), not both");
      return;
    }
    if (recurring) {
      if (w.schedule === undefined) sink.add(file, `${field}.schedule`, undefined, 'a recurring window needs a schedule', "add schedule: '0 18 * * 5'");
      else checkSchedule(w.schedule, file, `${field}.schedule`, sink);
      if (w.duration === undefined || !/^\d+[hm]$/.test(w.duration)) sink.add(file, `${field}.duration`, w.duration, 'not a duration in hours or minutes', "write it as '60h' or '90m'");
    } else {
      for (const key of ['start', 'end'] as const) {
        const v = w[key];
        if (v === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
          sink.add(file, `${field}.${key}`, v, 'not an ISO 8601 time with offset', "write it as '2026-12-24T00:00:00Z'");
        }
      }
      if (w.start && w.end && Date.parse(w.end) <= Date.parse(w.start)) sink.add(file, `${field}.end`, w.end, 'is not after start', 'set end after start');
    }
    if (w.timeZone !== undefined && !isTimeZone(w.timeZone)) sink.add(file, `${field}.timeZone`, w.timeZone, 'not an IANA time zone', "write it as 'UTC' or 'Asia/Shanghai'");
  });
  if (env.tenancy) checkTenancy(env.tenancy, file, sink);
}

/** Checks the quantities of team namespace quotas and limits. */
function checkTenancy(t: NonNullable<EnvironmentSpec['tenancy']>, file: string, sink: ProblemSink): void {
  checkResources({ cpu: t.quota.requestsCpu, memory: t.quota.requestsMemory, memoryLimit: t.quota.limitsMemory }, file, 'tenancy.quota', sink, { cpu: 'requestsCpu', memory: 'requestsMemory', memoryLimit: 'limitsMemory' });
  if (t.quota.pods < 1 || t.quota.pods > 10000) sink.add(file, 'tenancy.quota.pods', t.quota.pods, 'out of range', 'use 1 to 10000 pods');
  checkResources({ cpu: t.limits.defaultRequestCpu, memory: t.limits.defaultRequestMemory, memoryLimit: t.limits.defaultLimitMemory }, file, 'tenancy.limits', sink, { cpu: 'defaultRequestCpu', memory: 'defaultRequestMemory', memoryLimit: 'defaultLimitMemory' });
  if (!MEMORY.test(t.limits.maxMemory)) sink.add(file, 'tenancy.limits.maxMemory', t.limits.maxMemory, 'not a memory quantity', "write it as '4Gi'");
  else if (MEMORY.test(t.limits.defaultLimitMemory) && memoryBytes(t.limits.maxMemory) < memoryBytes(t.limits.defaultLimitMemory)) {
    sink.add(file, 'tenancy.limits.maxMemory', t.limits.maxMemory, `is below defaultLimitMemory (${t.limits.defaultLimitMemory})`, 'raise maxMemory to at least the default limit');
  }
  if (!/^[a-z0-9:_.-]*$/.test(t.groupPrefix)) sink.add(file, 'tenancy.groupPrefix', t.groupPrefix, 'not a group name prefix', "use lowercase letters, digits and ':', '_', '.', '-', e.g. 'oidc:team-'");
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function checkName(name: string, file: string, field: string, sink: ProblemSink, max: number): void {
  if (!DNS_LABEL.test(name) || name.length > max) {
    const suggestion = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max);
    sink.add(file, field, name, `not a DNS-1123 label of at most ${max} characters`, `use lowercase letters, digits and '-', e.g. '${suggestion || 'my-app'}'`);
  }
}

/** Checks a port the container binds. */
function checkPortNumber(port: number, file: string, field: string, sink: ProblemSink): void {
  if (port < 1 || port > 65535) sink.add(file, field, port, 'not a port number', 'use 1 to 65535');
  else if (port < 1024) sink.add(file, field, port, 'a privileged port cannot be bound by a non-root container', 'listen on a port of 1024 or more (e.g. 8080); the Service can still expose 80 via servicePort');
}

function clash<K>(seen: Map<K, number>, key: K, index: number, file: string, field: string, what: string, sink: ProblemSink): void {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, index);
  else sink.add(file, field, key, `${what} clashes with ports[${first}]`, `give each port a distinct ${what}`);
}

function checkReplicas(replicas: number, file: string, field: string, sink: ProblemSink): void {
  if (replicas < 0 || replicas > 500) sink.add(file, field, replicas, 'out of range', 'use 0 to 500 replicas');
}

function checkResources(r: ResourcesSpec, file: string, field: string, sink: ProblemSink, names: Partial<Record<keyof ResourcesSpec, string>> = {}): void {
  for (const key of ['cpu', 'cpuLimit'] as const) {
    const v = r[key];
    if (v !== undefined && !CPU.test(v)) sink.add(file, `${field}.${names[key] ?? key}`, v, 'not a CPU quantity', "write millicores ('250m') or cores ('1', '1.5')");
  }
  for (const key of ['memory', 'memoryLimit'] as const) {
    const v = r[key];
    if (v === undefined) continue;
    if (/^[0-9.]+m$/.test(v)) sink.add(file, `${field}.${names[key] ?? key}`, v, "'m' means milli-bytes for memory", `write '${v.slice(0, -1)}Mi' for mebibytes`);
    else if (!MEMORY.test(v)) sink.add(file, `${field}.${names[key] ?? key}`, v, 'not a memory quantity', "write it as '512Mi' or '2Gi'");
  }
  if (r.cpu && r.cpuLimit && CPU.test(r.cpu) && CPU.test(r.cpuLimit) && cpuMillis(r.cpuLimit) < cpuMillis(r.cpu)) {
    sink.add(file, `${field}.cpuLimit`, r.cpuLimit, `is below the CPU request (${r.cpu})`, 'raise cpuLimit to at least cpu, or drop it');
  }
  if (r.memory && r.memoryLimit && MEMORY.test(r.memory) && MEMORY.test(r.memoryLimit) && memoryBytes(r.memoryLimit) < memoryBytes(r.memory)) {
    sink.add(file, `${field}.memoryLimit`, r.memoryLimit, `is below the memory request (${r.memory})`, 'raise memoryLimit to at least memory, or drop it');
  }
}

/** CPU quantity in millicores. */
export function cpuMillis(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Memory quantity in bytes. */
export function memoryBytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return Number.NaN;
  const units: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (units[m[2] ?? ''] ?? Number.NaN);
}

function checkEnv(env: Readonly<Record<string, EnvValue>>, file: string, field: string, sink: ProblemSink): void {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_VAR_NAME.test(name)) sink.add(file, `${field}.${name}`, name, 'not a valid environment variable name', 'use letters, digits and _ and do not start with a digit');
    if (typeof value === 'string') {
      if (SECRETISH.test(name) && value.length > 0) {
        sink.add(file, `${field}.${name}`, '(hidden)', 'looks like a secret written in plain text', `remove the value from git (and rotate it), then use secretRef('<secret-name>', '<key>')`);
      }
    } else {
      if (!DNS_LABEL.test(value.secret)) sink.add(file, `${field}.${name}.secret`, value.secret, 'not a valid Secret name', "use lowercase letters, digits and '-'");
      if (!/^[-._a-zA-Z0-9]+$/.test(value.key)) sink.add(file, `${field}.${name}.key`, value.key, 'not a valid Secret key', "use letters, digits, '-', '_' and '.'");
    }
  }
}

function checkConfig(config: Readonly<Record<string, string>>, file: string, field: string, sink: ProblemSink): void {
  for (const name of Object.keys(config)) {
    if (!CONFIG_FILE.test(name) || name.length > 253) sink.add(file, `${field}.${name}`, name, 'not a valid config file name', "use letters, digits, '-', '_' and '.' (no folders)");
  }
}

function checkAutoscaling(a: { minReplicas: number; maxReplicas: number; cpuUtilization?: number }, file: string, field: string, sink: ProblemSink): void {
  if (a.minReplicas < 1) sink.add(file, `${field}.minReplicas`, a.minReplicas, 'must be at least 1', 'set minReplicas to 1 or more');
  if (a.maxReplicas < a.minReplicas) sink.add(file, `${field}.maxReplicas`, a.maxReplicas, `is below minReplicas (${a.minReplicas})`, 'set maxReplicas to at least minReplicas');
  if (a.cpuUtilization !== undefined && (a.cpuUtilization < 10 || a.cpuUtilization > 100)) {
    sink.add(file, `${field}.cpuUtilization`, a.cpuUtilization, 'out of range', 'use a percentage from 10 to 100');
  }
}

function checkSchedule(schedule: string, file: string, field: string, sink: ProblemSink): void {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5 || !parts.every((p) => /^[-*/,0-9A-Za-z?]+$/.test(p))) {
    sink.add(file, field, schedule, 'not a five-field cron schedule', "write 'minute hour day-of-month month day-of-week', e.g. '30 2 * * *'");
  }
}

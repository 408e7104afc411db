/**
 * Meaning checks of specs: names, quantities, clashes and cross references.
 * Shape checks (types, unknown fields) come first, in `schema.ts`.
 */
import type { AppSpec, EnvValue, ResourcesSpec } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';
import type { ProblemSink } from './problems.ts';
import { checkRolloutPolicy, checkRolloutSpec } from './rollout-checks.ts';
import { checkObservability, checkObservabilityPolicy } from './observability-checks.ts';
import { CronExpressionParser } from 'cron-parser';
import { findSecrets } from './secrets.ts';
import { cpuMillis, memoryBytes } from './quantity.ts';

/** DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA service name, as Kubernetes requires for port names. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const CONFIG_FILE = /^[-._a-zA-Z0-9]+$/;
const CIDR_PORT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2}):(\d{1,5})$/;
/** Longest value of one environment variable: Linux caps one string of a process's environment at 128 KiB. */
export const MAX_ENV_VALUE_BYTES = 128 * 1024;
/** Largest ConfigMap the API server stores (etcd's 1 MiB object limit, with room for metadata). */
const MAX_CONFIG_BYTES = 1000 * 1024;
/** Most CPU one container may ask for: larger than any node this platform runs on. */
const MAX_CPU_MILLIS = 256_000;
/** Namespaces of the cluster itself, where no app may run. */
const SYSTEM_NAMESPACE = /^(kube-.*|default)$/;
/** DNS-1123 subdomain: lowercase alphanumerics, '-' and '.', at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRETISH = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Longest app name: leaves room for suffixes such as `-config` within 63 characters. */
export const MAX_APP_NAME = 40;

/** Checks one app spec's fields on their own (no cross-app references). */
export function checkApp(app: AppSpec, file: string, sink: ProblemSink): void {
  const kind = app.kind ?? 'service';
  checkName(app.name, file, 'name', sink, MAX_APP_NAME);
  checkName(app.team, file, 'team', sink, 63);
  if (app.namespace !== undefined) checkName(app.namespace, file, 'namespace', sink, 63);
  const namespace = app.namespace ?? app.team;
  if (SYSTEM_NAMESPACE.test(namespace)) {
    const field = app.namespace !== undefined ? 'namespace' : 'team';
    sink.add(
      file,
      field,
      namespace,
      `'${namespace}' belongs to the cluster itself; no app may run there`,
      "run the app in its team's namespace (remove namespace, or name another one)",
    );
  }
  const expectedFile = `${app.name}.ts`;
  if (!file.endsWith(`/${expectedFile}`)) {
    sink.add(
      file,
      'name',
      app.name,
      `the file is not named after the app`,
      `rename the file to apps/${expectedFile}, or set name to the file's base name`,
    );
  }
  if (/[:@]/.test(app.image.split('/').pop() ?? '')) {
    sink.add(
      file,
      'image',
      app.image,
      'image carries a tag or digest',
      `drop it (write '${app.image.split(/[:@]/)[0]}'); the version is pinned per environment in environments/<env>/versions.json`,
    );
  }
  if (!/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/.test(app.image.split('@')[0] ?? '')) {
    sink.add(
      file,
      'image',
      app.image,
      'not a valid image repository',
      'use lowercase host/path, e.g. registry.insure.example/claims/claims-api',
    );
  } else if (registryOf(app.image) === undefined) {
    sink.add(
      file,
      'image',
      app.image,
      'names no registry, so Docker Hub would be used',
      `name the registry, e.g. 'registry.insure.example/${app.team}/${app.image}'`,
    );
  }

  const ports = app.ports ?? [];
  const seenNames = new Map<string, number>();
  const seenPorts = new Map<number, number>();
  const seenServicePorts = new Map<number, number>();
  ports.forEach((p, i) => {
    const field = `ports[${i}]`;
    if (!PORT_NAME.test(p.name) || p.name.length > 15) {
      sink.add(
        file,
        `${field}.name`,
        p.name,
        'not a valid port name',
        "use at most 15 lowercase letters, digits and '-', e.g. 'http'",
      );
    }
    checkPortNumber(p.port, file, `${field}.port`, sink);
    // A Service may expose any port: it is no socket the container binds.
    if (p.servicePort !== undefined && (p.servicePort < 1 || p.servicePort > 65535))
      sink.add(file, `${field}.servicePort`, p.servicePort, 'not a port number', 'use 1 to 65535');
    clash(seenNames, p.name, i, file, `${field}.name`, 'port name', sink);
    clash(seenPorts, p.port, i, file, `${field}.port`, 'container port', sink);
    clash(seenServicePorts, p.servicePort ?? p.port, i, file, `${field}.servicePort`, 'service port', sink);
  });

  if (kind === 'service') {
    if (ports.length === 0)
      sink.add(
        file,
        'ports',
        app.ports,
        'a service needs at least one port',
        "add ports: [{ name: 'http', port: 8080 }], or set kind: 'worker'",
      );
    if (!app.health)
      sink.add(
        file,
        'health',
        undefined,
        'a service needs health endpoints',
        "add health: { readiness: '/health/ready' } so traffic only reaches ready pods",
      );
  }
  if (app.health) {
    for (const key of ['readiness', 'liveness', 'startup'] as const) {
      const path = app.health[key];
      if (path !== undefined && !path.startsWith('/')) {
        sink.add(file, `health.${key}`, path, 'not an absolute HTTP path', `start it with '/', e.g. '/${path}'`);
      }
    }
    if (app.health.port !== undefined && !ports.some((p) => p.name === app.health?.port)) {
      sink.add(
        file,
        'health.port',
        app.health.port,
        'names no declared port',
        `use one of: ${ports.map((p) => p.name).join(', ') || '(declare a port first)'}`,
      );
    }
    if (ports.length === 0)
      sink.add(
        file,
        'health',
        app.health,
        'health endpoints need a port',
        'declare the port the endpoints are served on in ports',
      );
    if (
      app.health.startupSeconds !== undefined &&
      (app.health.startupSeconds < 5 || app.health.startupSeconds > 1800)
    ) {
      sink.add(file, 'health.startupSeconds', app.health.startupSeconds, 'out of range', 'use 5 to 1800 seconds');
    }
  }

  if (kind === 'cronjob') {
    if (app.schedule === undefined)
      sink.add(
        file,
        'schedule',
        undefined,
        'a cronjob needs a schedule',
        "add schedule: '30 2 * * *' (minute hour day month weekday)",
      );
    if (app.autoscaling)
      sink.add(file, 'autoscaling', app.autoscaling, 'a cronjob cannot autoscale', 'remove autoscaling');
    if (app.replicas !== undefined)
      sink.add(file, 'replicas', app.replicas, 'a cronjob has no replicas', 'remove replicas');
  } else if (app.schedule !== undefined) {
    sink.add(
      file,
      'schedule',
      app.schedule,
      `only a cronjob has a schedule (kind is '${kind}')`,
      "remove schedule, or set kind: 'cronjob'",
    );
  }
  if (app.schedule !== undefined) checkSchedule(app.schedule, file, 'schedule', sink);

  if (app.replicas !== undefined) checkReplicas(app.replicas, file, 'replicas', sink);
  if (app.resources) checkResources(app.resources, file, 'resources', sink);
  const allowed = new Set(Object.keys(app.notSecrets ?? {}));
  if (app.env) checkEnv(app.env, file, 'env', sink, allowed);
  if (app.config) checkConfig(app.config, file, 'config', sink, allowed);
  checkNotSecrets(app, file, sink);
  if (app.configDir !== undefined && !app.configDir.startsWith('/')) {
    sink.add(file, 'configDir', app.configDir, 'not an absolute path', `write it as '/${app.configDir}'`);
  }
  if (app.autoscaling) checkAutoscaling(app.autoscaling, file, 'autoscaling', sink);
  for (const [i, cidr] of (app.network?.egress ?? []).entries()) checkEgress(cidr, file, `network.egress[${i}]`, sink);
  if (app.security && (app.security.writableRootFilesystem ?? false) && !app.security.reason?.trim()) {
    sink.add(
      file,
      'security.reason',
      app.security.reason,
      'a security exception needs a reason',
      "add reason: 'why the default cannot hold' (it is rendered next to the object)",
    );
  }
  checkRolloutSpec(app, file, sink);

  checkObservability(app, file, sink);

  for (const [envName, o] of Object.entries(app.overrides ?? {})) {
    if (!o) continue;
    const base = `overrides.${envName}`;
    if (o.replicas !== undefined) checkReplicas(o.replicas, file, `${base}.replicas`, sink);
    if (o.resources) checkResources(o.resources, file, `${base}.resources`, sink);
    if (o.env) checkEnv(o.env, file, `${base}.env`, sink, allowed);
    if (o.config) checkConfig(o.config, file, `${base}.config`, sink, allowed);
    if (o.autoscaling) checkAutoscaling(o.autoscaling, file, `${base}.autoscaling`, sink);
    if (o.schedule !== undefined) checkSchedule(o.schedule, file, `${base}.schedule`, sink);
    if (kind === 'cronjob' && (o.replicas !== undefined || o.autoscaling)) {
      sink.add(
        file,
        base,
        o,
        'a cronjob has no replicas or autoscaling',
        'remove replicas and autoscaling from the override',
      );
    }
  }
}

/** Checks one environment spec's fields on their own. */
export function checkEnvironment(
  env: EnvironmentSpec,
  file: string,
  folder: string,
  sink: ProblemSink,
  options: { legacy?: boolean } = {},
): void {
  if (env.name !== folder) {
    sink.add(
      file,
      'name',
      env.name,
      `does not match its folder '${folder}'`,
      `set name: '${folder}', or move the file to environments/${env.name}/`,
    );
  }
  if (!/^1\.\d{2}$/.test(env.cluster.kubernetesVersion)) {
    sink.add(
      file,
      'cluster.kubernetesVersion',
      env.cluster.kubernetesVersion,
      'not a Kubernetes minor version',
      "write it as '1.27'",
    );
  }
  if (!DNS_SUBDOMAIN.test(env.cluster.name) || env.cluster.name.length > 253) {
    const suggestion = env.cluster.name
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '');
    sink.add(
      file,
      'cluster.name',
      env.cluster.name,
      'not a cluster name (a DNS-1123 subdomain)',
      `use lowercase letters, digits, '-' and '.', e.g. '${suggestion || 'prod-cn-east-1'}'`,
    );
  }
  if (!/^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(env.cluster.apiServer)) {
    sink.add(
      file,
      'cluster.apiServer',
      env.cluster.apiServer,
      'not an https URL of a host',
      "write it as 'https://api.prod.k8s.insure.example:6443'",
    );
  }
  checkReplicas(env.capacity.defaultReplicas, file, 'capacity.defaultReplicas', sink);
  checkResources({ cpu: env.capacity.defaultCpu, memory: env.capacity.defaultMemory }, file, 'capacity', sink, {
    cpu: 'defaultCpu',
    memory: 'defaultMemory',
  });
  if (env.approvals.required < 0 || env.approvals.required > 10) {
    sink.add(file, 'approvals.required', env.approvals.required, 'out of range', 'use 0 to 10');
  }
  if (env.approvals.required > 0 && env.approvals.approvers.length === 0) {
    sink.add(
      file,
      'approvals.approvers',
      env.approvals.approvers,
      'approvals are required but nobody may give them',
      "list the approver teams, e.g. ['@insure/sre']",
    );
  }
  if (env.cluster.zones.length === 0)
    sink.add(file, 'cluster.zones', env.cluster.zones, 'no zones', "list the cluster's availability zones");
  checkRolloutPolicy(env, file, sink);
  // A legacy environment's observability section is filled in by `upgradeLegacyEnvironment`, not written by anyone.
  if (!options.legacy) checkObservabilityPolicy(env, file, sink);
  const share = env.deletionGuard?.maxRemovedShare;
  if (share !== undefined && !(share >= 0 && share <= 1))
    sink.add(file, 'deletionGuard.maxRemovedShare', share, 'out of range', 'write a share from 0 to 1 (0.1 is 10 %)');
  const soak = env.promotion.minSoakHours;
  if (soak !== undefined && (soak < 0 || soak > 24 * 30))
    sink.add(file, 'promotion.minSoakHours', soak, 'out of range', 'use 0 to 720 hours');
  (env.promotion.freezeWindows ?? []).forEach((w, i) => {
    const field = `promotion.freezeWindows[${i}]`;
    const recurring = w.schedule !== undefined || w.duration !== undefined;
    const oneOff = w.start !== undefined || w.end !== undefined;
    if (recurring === oneOff) {
      sink.add(
        file,
        field,
        w.name,
        'a freeze window is either recurring or one-off',
        'set schedule + duration (recurring) or start + end (one-off), not both',
      );
      return;
    }
    if (recurring) {
      if (w.schedule === undefined)
        sink.add(
          file,
          `${field}.schedule`,
          undefined,
          'a recurring window needs a schedule',
          "add schedule: '0 18 * * 5'",
        );
      else checkSchedule(w.schedule, file, `${field}.schedule`, sink);
      if (w.duration === undefined || !/^\d+[hm]$/.test(w.duration) || /^0+[hm]$/.test(w.duration)) {
        sink.add(
          file,
          `${field}.duration`,
          w.duration,
          'not a positive duration in hours or minutes',
          "write it as '60h' or '90m'",
        );
      }
    } else {
      for (const key of ['start', 'end'] as const) {
        const v = w[key];
        if (v === undefined || !isIsoTime(v))
          sink.add(
            file,
            `${field}.${key}`,
            v,
            'not an ISO 8601 time with offset',
            "write it as '2026-12-24T00:00:00Z'",
          );
      }
      if (w.start && w.end && isIsoTime(w.start) && isIsoTime(w.end) && Date.parse(w.end) <= Date.parse(w.start)) {
        sink.add(file, `${field}.end`, w.end, 'is not after start', 'set end after start');
      }
    }
    if (w.timeZone !== undefined && !isTimeZone(w.timeZone))
      sink.add(file, `${field}.timeZone`, w.timeZone, 'not an IANA time zone', "write it as 'UTC' or 'Asia/Shanghai'");
  });
  checkWindowOverlaps(env, file, sink);
  if (!options.legacy) checkAgentImages(env, file, sink);
  checkEnvironmentSecrets(env, file, sink);
  if (env.tenancy) checkTenancy(env.tenancy, file, sink);
}

/** Checks the quantities of team namespace quotas and limits. */
function checkTenancy(t: NonNullable<EnvironmentSpec['tenancy']>, file: string, sink: ProblemSink): void {
  checkResources(
    { cpu: t.quota.requestsCpu, memory: t.quota.requestsMemory, memoryLimit: t.quota.limitsMemory },
    file,
    'tenancy.quota',
    sink,
    { cpu: 'requestsCpu', memory: 'requestsMemory', memoryLimit: 'limitsMemory' },
  );
  if (t.quota.pods < 1 || t.quota.pods > 10000)
    sink.add(file, 'tenancy.quota.pods', t.quota.pods, 'out of range', 'use 1 to 10000 pods');
  checkResources(
    {
      cpu: t.limits.defaultRequestCpu,
      memory: t.limits.defaultRequestMemory,
      memoryLimit: t.limits.defaultLimitMemory,
    },
    file,
    'tenancy.limits',
    sink,
    { cpu: 'defaultRequestCpu', memory: 'defaultRequestMemory', memoryLimit: 'defaultLimitMemory' },
  );
  if (!MEMORY.test(t.limits.maxMemory))
    sink.add(file, 'tenancy.limits.maxMemory', t.limits.maxMemory, 'not a memory quantity', "write it as '4Gi'");
  else if (
    MEMORY.test(t.limits.defaultLimitMemory) &&
    memoryBytes(t.limits.maxMemory) < memoryBytes(t.limits.defaultLimitMemory)
  ) {
    sink.add(
      file,
      'tenancy.limits.maxMemory',
      t.limits.maxMemory,
      `is below defaultLimitMemory (${t.limits.defaultLimitMemory})`,
      'raise maxMemory to at least the default limit',
    );
  }
  if (!/^[a-z0-9:_.-]*$/.test(t.groupPrefix))
    sink.add(
      file,
      'tenancy.groupPrefix',
      t.groupPrefix,
      'not a group name prefix',
      "use lowercase letters, digits and ':', '_', '.', '-', e.g. 'oidc:team-'",
    );
}

/**
 * The registry host of an image reference, or `undefined` when it names none (`quote-api`,
 * `library/nginx`: Docker Hub). As Docker reads it, the first part is a host when it has a '.' or
 * a ':', or is `localhost`.
 */
export function registryOf(image: string): string | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first : undefined;
}

/** Whether `image` comes from one of `allowed` (hosts, or hosts with a path prefix). */
export function fromAllowedRegistry(image: string, allowed: readonly string[]): boolean {
  if (registryOf(image) === undefined) return false;
  return allowed.some((r) => image === r || image.startsWith(`${r.replace(/\/+$/, '')}/`));
}

/** Checks the agent images of an environment against its allowed registries. */
function checkAgentImages(env: EnvironmentSpec, file: string, sink: ProblemSink): void {
  const allowed = env.images.allowedRegistries;
  for (const [key, image] of Object.entries(env.observability.images)) {
    if (registryOf(image) === undefined) {
      sink.add(
        file,
        `observability.images.${key}`,
        image,
        'names no registry, so Docker Hub would be used',
        "name the registry, e.g. 'registry.insure.example/platform/…'",
      );
    } else if (allowed && !fromAllowedRegistry(image, allowed)) {
      sink.add(
        file,
        `observability.images.${key}`,
        image,
        `is not from an allowed registry (${allowed.join(', ')})`,
        'mirror the image into an allowed registry, or add its registry to images.allowedRegistries',
      );
    }
  }
}

/** Whether `v` is an ISO 8601 time with an offset that names a real calendar day and time. */
function isIsoTime(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})$/.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    !Number.isNaN(Date.parse(v))
  );
}

/**
 * Freeze windows that overlap: two one-off windows sharing time, or a recurring window that
 * lasts longer than the gap between its openings (it would never let a promotion through).
 */
function checkWindowOverlaps(env: EnvironmentSpec, file: string, sink: ProblemSink): void {
  const windows = env.promotion.freezeWindows ?? [];
  const oneOff = windows
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.start !== undefined && w.end !== undefined && isIsoTime(w.start) && isIsoTime(w.end));
  for (const a of oneOff) {
    for (const b of oneOff) {
      if (b.i <= a.i) continue;
      if (Date.parse(a.w.start!) < Date.parse(b.w.end!) && Date.parse(b.w.start!) < Date.parse(a.w.end!)) {
        sink.add(
          file,
          `promotion.freezeWindows[${b.i}]`,
          b.w.name,
          `overlaps freezeWindows[${a.i}] ('${a.w.name}')`,
          'merge the two windows into one, or move one of them',
        );
      }
    }
  }
  windows.forEach((w, i) => {
    if (
      w.schedule === undefined ||
      w.duration === undefined ||
      !/^\d+[hm]$/.test(w.duration) ||
      cronError(w.schedule, w.timeZone) !== undefined
    )
      return;
    const length = Number(w.duration.slice(0, -1)) * (w.duration.endsWith('h') ? 3_600_000 : 60_000);
    const gap = shortestGap(w.schedule, w.timeZone);
    if (gap !== undefined && length >= gap) {
      sink.add(
        file,
        `promotion.freezeWindows[${i}].duration`,
        w.duration,
        `is as long as the time between two openings of '${w.schedule}', so the environment never opens`,
        'shorten the duration, or open the window less often',
      );
    }
  });
}

/** Shortest gaps already worked out, by time zone and schedule: walking a schedule in a time zone is slow. */
const gaps = new Map<string, number | undefined>();

/** Shortest time between two openings of `schedule` over a year (at most 400 openings), in milliseconds. */
function shortestGap(schedule: string, timeZone = 'UTC'): number | undefined {
  const key = `${timeZone}\0${schedule}`;
  if (gaps.has(key)) return gaps.get(key);
  let gap: number | undefined;
  try {
    const start = Date.UTC(2026, 0, 1);
    const cursor = CronExpressionParser.parse(schedule, { currentDate: new Date(start), tz: timeZone });
    let previous = cursor.next().getTime();
    for (let i = 0; i < 400 && previous < start + 366 * 86_400_000; i++) {
      const next = cursor.next().getTime();
      gap = gap === undefined ? next - previous : Math.min(gap, next - previous);
      previous = next;
    }
  } catch {
    gap = undefined;
  }
  gaps.set(key, gap);
  return gap;
}

/** Secrets written into an environment file, by content: any string anywhere in it. */
function checkEnvironmentSecrets(env: EnvironmentSpec, file: string, sink: ProblemSink): void {
  const visit = (value: unknown, field: string, key?: string): void => {
    if (typeof value === 'string') {
      for (const m of findSecrets(value, key)) {
        sink.add(
          file,
          field,
          '(hidden)',
          `holds ${m.what} in plain text`,
          "remove it from git (and rotate it); reference a Secret with secretRef('<secret-name>', '<key>')",
        );
      }
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${field}[${i}]`, key);
    } else if (value !== null && typeof value === 'object') {
      // A reference to a Secret (`secretRef()`) names the secret, it holds no value.
      const keys = Object.keys(value).sort().join(',');
      if (keys === 'key,secret') return;
      for (const [k, v] of Object.entries(value)) visit(v, field ? `${field}.${k}` : k, k);
    }
  };
  visit(env, '');
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
    const suggestion = name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, max);
    sink.add(
      file,
      field,
      name,
      `not a DNS-1123 label of at most ${max} characters`,
      `use lowercase letters, digits and '-', e.g. '${suggestion || 'my-app'}'`,
    );
  }
}

/** Checks a port the container binds. */
function checkPortNumber(port: number, file: string, field: string, sink: ProblemSink): void {
  if (port < 1 || port > 65535) sink.add(file, field, port, 'not a port number', 'use 1 to 65535');
  else if (port < 1024)
    sink.add(
      file,
      field,
      port,
      'a privileged port cannot be bound by a non-root container',
      'listen on a port of 1024 or more (e.g. 8080); the Service can still expose 80 via servicePort',
    );
}

function clash<K>(
  seen: Map<K, number>,
  key: K,
  index: number,
  file: string,
  field: string,
  what: string,
  sink: ProblemSink,
): void {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, index);
  else sink.add(file, field, key, `${what} clashes with ports[${first}]`, `give each port a distinct ${what}`);
}

function checkReplicas(replicas: number, file: string, field: string, sink: ProblemSink): void {
  if (replicas < 0 || replicas > 500) sink.add(file, field, replicas, 'out of range', 'use 0 to 500 replicas');
}

function checkResources(
  r: ResourcesSpec,
  file: string,
  field: string,
  sink: ProblemSink,
  names: Partial<Record<keyof ResourcesSpec, string>> = {},
): void {
  for (const key of ['cpu', 'cpuLimit'] as const) {
    const v = r[key];
    if (v !== undefined && !CPU.test(v))
      sink.add(
        file,
        `${field}.${names[key] ?? key}`,
        v,
        'not a CPU quantity',
        "write millicores ('250m') or cores ('1', '1.5')",
      );
    else if (v !== undefined && cpuMillis(v) > MAX_CPU_MILLIS) {
      sink.add(
        file,
        `${field}.${names[key] ?? key}`,
        v,
        `more CPU than any node has (at most ${MAX_CPU_MILLIS / 1000} cores)`,
        "ask for what the app uses, e.g. '500m' or '2'",
      );
    }
  }
  for (const key of ['memory', 'memoryLimit'] as const) {
    const v = r[key];
    if (v === undefined) continue;
    if (/^[0-9.]+m$/.test(v))
      sink.add(
        file,
        `${field}.${names[key] ?? key}`,
        v,
        "'m' means milli-bytes for memory",
        `write '${v.slice(0, -1)}Mi' for mebibytes`,
      );
    else if (!MEMORY.test(v))
      sink.add(file, `${field}.${names[key] ?? key}`, v, 'not a memory quantity', "write it as '512Mi' or '2Gi'");
    else if (memoryBytes(v) === 0)
      sink.add(
        file,
        `${field}.${names[key] ?? key}`,
        v,
        'no memory at all: no container can start with it',
        "write what the app needs, e.g. '512Mi'",
      );
  }
  if (r.cpu && r.cpuLimit && CPU.test(r.cpu) && CPU.test(r.cpuLimit) && cpuMillis(r.cpuLimit) < cpuMillis(r.cpu)) {
    sink.add(
      file,
      `${field}.cpuLimit`,
      r.cpuLimit,
      `is below the CPU request (${r.cpu})`,
      'raise cpuLimit to at least cpu, or drop it',
    );
  }
  if (
    r.memory &&
    r.memoryLimit &&
    MEMORY.test(r.memory) &&
    MEMORY.test(r.memoryLimit) &&
    memoryBytes(r.memoryLimit) < memoryBytes(r.memory)
  ) {
    sink.add(
      file,
      `${field}.memoryLimit`,
      r.memoryLimit,
      `is below the memory request (${r.memory})`,
      'raise memoryLimit to at least memory, or drop it',
    );
  }
}

/** How to get a secret out of git, and what to do when the value is not one. */
const SECRET_FIX = "remove it from git (and rotate it), then use secretRef('<secret-name>', '<key>')";

/** The fix of a content finding: move it to a Secret, or, when it is no secret, list it under `notSecrets`. */
function contentFix(field: string): string {
  return `${SECRET_FIX}; if it is no secret (a public key, a sample), add notSecrets: { '${field}': 'why' } for review`;
}

function checkEnv(
  env: Readonly<Record<string, EnvValue>>,
  file: string,
  field: string,
  sink: ProblemSink,
  allowed: ReadonlySet<string>,
): void {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_VAR_NAME.test(name))
      sink.add(
        file,
        `${field}.${name}`,
        name,
        'not a valid environment variable name',
        'use letters, digits and _ and do not start with a digit',
      );
    if (typeof value === 'string') {
      const path = `${field}.${name}`;
      const bytes = Buffer.byteLength(value);
      if (bytes > MAX_ENV_VALUE_BYTES) {
        sink.add(
          file,
          path,
          `(${bytes} bytes)`,
          `longer than ${MAX_ENV_VALUE_BYTES} bytes, the most Linux passes in one environment string`,
          'mount it as a config file (config) instead',
        );
      }
      if (SECRETISH.test(name) && value.length > 0 && !allowed.has(`env.${name}`)) {
        sink.add(file, path, '(hidden)', 'looks like a secret written in plain text', SECRET_FIX);
      } else if (!allowed.has(`env.${name}`)) {
        for (const m of findSecrets(value, name))
          sink.add(file, path, '(hidden)', `holds ${m.what} in plain text`, contentFix(`env.${name}`));
      }
    } else {
      if (!DNS_LABEL.test(value.secret))
        sink.add(
          file,
          `${field}.${name}.secret`,
          value.secret,
          'not a valid Secret name',
          "use lowercase letters, digits and '-'",
        );
      if (!/^[-._a-zA-Z0-9]+$/.test(value.key))
        sink.add(
          file,
          `${field}.${name}.key`,
          value.key,
          'not a valid Secret key',
          "use letters, digits, '-', '_' and '.'",
        );
    }
  }
}

function checkConfig(
  config: Readonly<Record<string, string>>,
  file: string,
  field: string,
  sink: ProblemSink,
  allowed: ReadonlySet<string>,
): void {
  let bytes = 0;
  for (const [name, text] of Object.entries(config)) {
    if (!CONFIG_FILE.test(name) || name.length > 253)
      sink.add(
        file,
        `${field}.${name}`,
        name,
        'not a valid config file name',
        "use letters, digits, '-', '_' and '.' (no folders)",
      );
    bytes += Buffer.byteLength(text);
    if (allowed.has(`config.${name}`)) continue;
    for (const m of findSecrets(text, name))
      sink.add(file, `${field}.${name}`, '(hidden)', `holds ${m.what} in plain text`, contentFix(`config.${name}`));
  }
  if (bytes > MAX_CONFIG_BYTES) {
    sink.add(
      file,
      field,
      `(${bytes} bytes)`,
      `more than ${MAX_CONFIG_BYTES} bytes: the API server refuses a ConfigMap this large`,
      'keep large files in the image, or split them out',
    );
  }
}

/** The allow list of values that look secret but are not: each names an env var or config file and gives a reason. */
function checkNotSecrets(app: AppSpec, file: string, sink: ProblemSink): void {
  for (const [field, reason] of Object.entries(app.notSecrets ?? {})) {
    const [kind, ...rest] = field.split('.');
    const name = rest.join('.');
    const exists =
      (kind === 'env' &&
        (app.env?.[name] !== undefined ||
          Object.values(app.overrides ?? {}).some((o) => o?.env?.[name] !== undefined))) ||
      (kind === 'config' &&
        (app.config?.[name] !== undefined ||
          Object.values(app.overrides ?? {}).some((o) => o?.config?.[name] !== undefined)));
    if (!exists)
      sink.add(
        file,
        `notSecrets.${field}`,
        field,
        'names no env var or config file of the app',
        "write 'env.<NAME>' or 'config.<file name>'",
      );
    if (!reason.trim())
      sink.add(
        file,
        `notSecrets.${field}`,
        reason,
        'needs a reason',
        'say why the value is no secret; reviewers read it in the release order',
      );
  }
}

/** Checks one egress entry: a real IPv4 CIDR block and port. */
function checkEgress(entry: string, file: string, field: string, sink: ProblemSink): void {
  const m = CIDR_PORT.exec(entry);
  if (!m) {
    sink.add(file, field, entry, 'not a CIDR block with a port', "write it as '10.20.0.0/16:5432'");
    return;
  }
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  const port = Number(m[6]);
  if (octets.some((o) => o > 255))
    sink.add(file, field, entry, 'not an IPv4 address (each part is 0 to 255)', "write it as '10.20.0.0/16:5432'");
  else if (prefix > 32)
    sink.add(file, field, entry, `prefix /${prefix} is longer than 32 bits`, 'use a prefix from /0 to /32');
  if (port < 1 || port > 65535) sink.add(file, field, entry, `port ${port} is not a port number`, 'use 1 to 65535');
}

/** Why `schedule` is no valid five-field cron schedule, or `undefined` when it is one. */
export function cronError(schedule: string, timeZone?: string): string | undefined {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5) return `has ${parts.length} fields, not 5`;
  try {
    CronExpressionParser.parse(schedule, { tz: timeZone ?? 'UTC' });
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Validation error, /, '').replace(/^Constraint error, /, '');
  }
}

function checkAutoscaling(
  a: { minReplicas: number; maxReplicas: number; cpuUtilization?: number },
  file: string,
  field: string,
  sink: ProblemSink,
): void {
  if (a.minReplicas < 1)
    sink.add(file, `${field}.minReplicas`, a.minReplicas, 'must be at least 1', 'set minReplicas to 1 or more');
  if (a.maxReplicas < a.minReplicas)
    sink.add(
      file,
      `${field}.maxReplicas`,
      a.maxReplicas,
      `is below minReplicas (${a.minReplicas})`,
      'set maxReplicas to at least minReplicas',
    );
  if (a.cpuUtilization !== undefined && (a.cpuUtilization < 10 || a.cpuUtilization > 100)) {
    sink.add(file, `${field}.cpuUtilization`, a.cpuUtilization, 'out of range', 'use a percentage from 10 to 100');
  }
}

function checkSchedule(schedule: string, file: string, field: string, sink: ProblemSink): void {
  const error = cronError(schedule);
  if (error !== undefined) {
    sink.add(
      file,
      field,
      schedule,
      `not a five-field cron schedule: ${error}`,
      "write 'minute hour day-of-month month day-of-week' (minute 0-59, hour 0-23, weekday 0-7 or mon-sun), e.g. '30 2 * * *'",
    );
  }
}

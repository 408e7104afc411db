/**
 * Meaning checks of the observability fields: an app's `logs`, `metrics` and
 * alert overrides, and an environment's `observability`.
 */
import type { AlertThresholds, AppSpec, SecretRef } from './app.ts';
import type { EnvironmentSpec, VerificationPolicy } from './environment.ts';
import type { ProblemSink } from './problems.ts';
import { MUTABLE_TAGS, PLATFORM_NAMESPACES } from './reserved.ts';
import { checkLogs } from './logs-checks.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const INTERVAL = /^([1-9][0-9]*)(s|m)$/;
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$/;

/** Checks an app's observability fields. */
export function checkObservability(app: AppSpec, file: string, sink: ProblemSink): void {
  const namespace = app.namespace ?? app.team;
  if (PLATFORM_NAMESPACES.includes(namespace)) {
    sink.add(
      file,
      app.namespace !== undefined ? 'namespace' : 'team',
      namespace,
      `'${namespace}' is the namespace of the platform's node agents, where Pod Security admits host access`,
      "run the app in its team's namespace (set namespace to another name)",
    );
  }
  checkLogs(app, file, sink);
  checkMetrics(app, file, sink);
}

function checkMetrics(app: AppSpec, file: string, sink: ProblemSink): void {
  const m = app.metrics;
  const kind = app.kind ?? 'service';
  for (const [env, o] of Object.entries(app.overrides ?? {})) {
    if (!o?.alerts) continue;
    if (!m)
      sink.add(
        file,
        `overrides.${env}.alerts`,
        o.alerts,
        'the app declares no metrics, so it has no alerts',
        "add metrics: { port: '<port name>' }, or remove the alerts override",
      );
    checkAlerts(o.alerts, file, `overrides.${env}.alerts`, sink);
  }
  if (!m) return;
  if (kind === 'cronjob') {
    sink.add(
      file,
      'metrics',
      m,
      'a cronjob runs too briefly to be scraped',
      'remove metrics (push batch results to your metrics store instead)',
    );
  }
  const ports = app.ports ?? [];
  if (!ports.some((p) => p.name === m.port)) {
    sink.add(
      file,
      'metrics.port',
      m.port,
      'names no declared port',
      ports.length > 0
        ? `use one of: ${ports.map((p) => p.name).join(', ')}`
        : "declare the port first, e.g. ports: [{ name: 'metrics', port: 9090 }]",
    );
  }
  if (m.path !== undefined && !m.path.startsWith('/'))
    sink.add(file, 'metrics.path', m.path, 'not an absolute HTTP path', `write it as '/${m.path}'`);
  if (m.interval !== undefined) {
    const match = INTERVAL.exec(m.interval);
    const seconds = match ? Number(match[1]) * (match[2] === 'm' ? 60 : 1) : Number.NaN;
    if (!(seconds >= 5 && seconds <= 600))
      sink.add(file, 'metrics.interval', m.interval, 'not an interval from 5s to 10m', "write it as '30s' or '1m'");
  }
  if (m.requestMetric !== undefined && !METRIC.test(m.requestMetric))
    sink.add(
      file,
      'metrics.requestMetric',
      m.requestMetric,
      'not a Prometheus metric name',
      "use letters, digits, '_' and ':', e.g. 'http_server_requests_seconds'",
    );
  if (m.requestMetric !== undefined && /_(count|bucket|sum)$/.test(m.requestMetric))
    sink.add(
      file,
      'metrics.requestMetric',
      m.requestMetric,
      'names a series of the histogram, not the histogram',
      `drop the suffix: '${m.requestMetric.replace(/_(count|bucket|sum)$/, '')}'`,
    );
  if (m.statusLabel !== undefined && !LABEL_NAME.test(m.statusLabel))
    sink.add(
      file,
      'metrics.statusLabel',
      m.statusLabel,
      'not a Prometheus label name',
      "use letters, digits and '_', e.g. 'status'",
    );
  if (m.alerts) checkAlerts(m.alerts, file, 'metrics.alerts', sink);
}

/** Checks alert thresholds. */
export function checkAlerts(a: AlertThresholds, file: string, field: string, sink: ProblemSink): void {
  if (a.errorRatio !== undefined && !(a.errorRatio > 0 && a.errorRatio <= 1))
    sink.add(file, `${field}.errorRatio`, a.errorRatio, 'not a ratio above 0 and at most 1', 'write 5 % as 0.05');
  if (a.latencyP99Seconds !== undefined && !(a.latencyP99Seconds > 0 && a.latencyP99Seconds <= 120))
    sink.add(
      file,
      `${field}.latencyP99Seconds`,
      a.latencyP99Seconds,
      'out of range',
      'use seconds above 0 and at most 120, e.g. 0.5',
    );
  if (
    a.restartsPerHour !== undefined &&
    !(Number.isInteger(a.restartsPerHour) && a.restartsPerHour >= 1 && a.restartsPerHour <= 1000)
  )
    sink.add(file, `${field}.restartsPerHour`, a.restartsPerHour, 'not a whole number from 1 to 1000', 'use e.g. 3');
  if (
    a.notReadyMinutes !== undefined &&
    !(Number.isInteger(a.notReadyMinutes) && a.notReadyMinutes >= 1 && a.notReadyMinutes <= 1440)
  )
    sink.add(
      file,
      `${field}.notReadyMinutes`,
      a.notReadyMinutes,
      'not a whole number of minutes from 1 to 1440',
      'use e.g. 10',
    );
}

function checkSecretRef(ref: SecretRef, file: string, field: string, sink: ProblemSink): void {
  if (!DNS_LABEL.test(ref.secret))
    sink.add(file, `${field}.secret`, ref.secret, 'not a valid Secret name', "use lowercase letters, digits and '-'");
  if (!/^[-._a-zA-Z0-9]+$/.test(ref.key))
    sink.add(file, `${field}.key`, ref.key, 'not a valid Secret key', "use letters, digits, '-', '_' and '.'");
}

function checkHost(host: string, file: string, field: string, sink: ProblemSink): void {
  if (!HOST.test(host))
    sink.add(
      file,
      field,
      host,
      'not a host name',
      "write the bare host, e.g. 'es.logs.prod.insure.example' (no scheme, no port)",
    );
}

function checkPort(port: number | undefined, file: string, field: string, sink: ProblemSink): void {
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    sink.add(file, field, port, 'not a port number', 'use 1 to 65535');
}

/** Checks an environment's `observability`. */
export function checkObservabilityPolicy(env: EnvironmentSpec, file: string, sink: ProblemSink): void {
  const o = env.observability;
  if (o.logSinks.length === 0)
    sink.add(
      file,
      'observability.logSinks',
      o.logSinks,
      'no log store: logs and events would go nowhere',
      "add one, e.g. { type: 'stdout' } for a cluster without a log store",
    );
  o.logSinks.forEach((s, i) => {
    const field = `observability.logSinks[${i}]`;
    if (o.logSinks.findIndex((other) => other.type === s.type) !== i && s.type === 'stdout')
      sink.add(file, field, s, 'stdout is listed twice', 'remove one');
    switch (s.type) {
      case 'stdout':
        return;
      case 'loki':
      case 'elasticsearch':
        checkHost(s.host, file, `${field}.host`, sink);
        checkPort(s.port, file, `${field}.port`, sink);
        if (s.credentials) {
          checkSecretRef(s.credentials.user, file, `${field}.credentials.user`, sink);
          checkSecretRef(s.credentials.password, file, `${field}.credentials.password`, sink);
        }
        if (s.type === 'elasticsearch' && s.indexPrefix !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(s.indexPrefix))
          sink.add(
            file,
            `${field}.indexPrefix`,
            s.indexPrefix,
            'not a valid index name prefix',
            "use lowercase letters, digits, '-' and '_'",
          );
        if (s.type === 'loki' && s.tenant !== undefined && !/^[A-Za-z0-9!._*'()-]{1,150}$/.test(s.tenant))
          sink.add(
            file,
            `${field}.tenant`,
            s.tenant,
            'not a valid Loki tenant id',
            "use letters, digits and '-', e.g. 'prod'",
          );
        return;
      case 'kafka':
        if (s.brokers.length === 0)
          sink.add(file, `${field}.brokers`, s.brokers, 'no broker', "list the bootstrap brokers as 'host:port'");
        s.brokers.forEach((b, j) => {
          const [host, port, ...rest] = b.split(':');
          if (
            rest.length > 0 ||
            port === undefined ||
            !HOST.test(host ?? '') ||
            !/^\d+$/.test(port) ||
            Number(port) < 1 ||
            Number(port) > 65535
          )
            sink.add(
              file,
              `${field}.brokers[${j}]`,
              b,
              "not 'host:port'",
              "write it as 'kafka-0.logs.prod.insure.example:9093'",
            );
        });
        for (const key of ['topic', 'eventsTopic'] as const) {
          const topic = s[key];
          if (topic !== undefined && !KAFKA_TOPIC.test(topic))
            sink.add(
              file,
              `${field}.${key}`,
              topic,
              'not a valid Kafka topic name',
              "use letters, digits, '.', '_' and '-'",
            );
        }
        if (s.sasl) {
          checkSecretRef(s.sasl.user, file, `${field}.sasl.user`, sink);
          checkSecretRef(s.sasl.password, file, `${field}.sasl.password`, sink);
        }
        return;
    }
  });
  for (const key of ['fluentBit', 'nodeProblemDetector', 'jdkDebug'] as const) {
    const image = o.images[key];
    const field = `observability.images.${key}`;
    if (!IMAGE.test(image)) {
      sink.add(
        file,
        field,
        image,
        'not an image reference with a tag',
        "write 'registry.insure.example/platform/fluent-bit:3.2.10@sha256:…'",
      );
      continue;
    }
    const tag = image.split('@')[0]!.split(':').pop()!;
    if (MUTABLE_TAGS.has(tag.toLowerCase()) && !env.images.allowMutableTags)
      sink.add(file, field, image, `a mutable tag is not allowed in ${env.name}`, 'pin a release tag');
    if (!image.includes('@sha256:') && env.images.requireDigest)
      sink.add(file, field, image, `${env.name} requires images pinned by digest`, "append '@sha256:…'");
  }
  if (!DNS_LABEL.test(o.prometheus.namespace))
    sink.add(
      file,
      'observability.prometheus.namespace',
      o.prometheus.namespace,
      'not a namespace name',
      "write e.g. 'monitoring'",
    );
  if (Object.keys(o.prometheus.podLabels).length === 0)
    sink.add(
      file,
      'observability.prometheus.podLabels',
      o.prometheus.podLabels,
      'no labels: every pod of the namespace could scrape the apps',
      "name the Prometheus pods' labels, e.g. { 'app.kubernetes.io/name': 'prometheus' }",
    );
  if (
    o.aggregatorReplicas !== undefined &&
    !(Number.isInteger(o.aggregatorReplicas) && o.aggregatorReplicas >= 1 && o.aggregatorReplicas <= 20)
  )
    sink.add(file, 'observability.aggregatorReplicas', o.aggregatorReplicas, 'out of range', 'use 1 to 20');
  if (o.alerts) checkAlerts(o.alerts, file, 'observability.alerts', sink);
  const url = o.prometheus.url;
  if (url !== undefined && !/^https?:\/\/[a-z0-9.-]+(:\d+)?(\/[^\s?#]*)?$/.test(url)) {
    const fix = "write it as 'https://prometheus.prod.insure.example'";
    sink.add(file, 'observability.prometheus.url', url, 'not an http(s) URL of a host', fix);
  }
  if (o.verification) checkVerification(o.verification, file, sink);
}

/** Range checks of `observability.verification`: [field, valid?, what is wrong, fix]. */
function checkVerification(v: VerificationPolicy, file: string, sink: ProblemSink): void {
  const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  const checks: [keyof VerificationPolicy, number | undefined, (n: number) => boolean, string, string][] = [
    [
      'minRequests',
      v.minRequests,
      (n) => whole(n, 1, 10_000_000),
      'not a whole number from 1 to 10000000',
      'use e.g. 500',
    ],
    [
      'significance',
      v.significance,
      (n) => n > 0 && n <= 0.2,
      'not a significance above 0 and at most 0.2',
      'use e.g. 0.01',
    ],
    [
      'latencyMarginPercent',
      v.latencyMarginPercent,
      (n) => n >= 0 && n <= 1000,
      'out of range',
      'use 0 to 1000 percent, e.g. 20',
    ],
    [
      'batchWindowMinutes',
      v.batchWindowMinutes,
      (n) => whole(n, 1, 1440),
      'not a whole number of minutes from 1 to 1440',
      'use e.g. 10',
    ],
    [
      'timeoutSeconds',
      v.timeoutSeconds,
      (n) => n > 0 && n <= 120,
      'out of range',
      'use seconds above 0 and at most 120, e.g. 10',
    ],
  ];
  for (const [key, value, valid, message, fix] of checks) {
    if (value !== undefined && !valid(value)) sink.add(file, `observability.verification.${key}`, value, message, fix);
  }
}

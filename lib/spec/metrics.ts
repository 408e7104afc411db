/**
 * Defaults of the `metrics` field and the alert thresholds, resolved once per
 * app and environment: platform defaults, then the environment's thresholds,
 * then the app's, then the app's override for the environment.
 */
import type { AlertThresholds, AppOverrides, AppSpec } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';

/** Every alert threshold, decided. */
export type ResolvedAlerts = Required<AlertThresholds>;

/** The platform's alert thresholds, under every environment's and app's. */
export const PLATFORM_ALERTS: ResolvedAlerts = {
  errorRatio: 0.05,
  latencyP99Seconds: 1,
  restartsPerHour: 3,
  notReadyMinutes: 10,
};

/** Scrape interval when `metrics.interval` is not set. */
export const DEFAULT_SCRAPE_INTERVAL = '30s';

/** The `metrics` field with every default applied. */
export interface ResolvedMetrics {
  /** Name of the port serving the metrics. */
  readonly port: string;
  readonly path: string;
  readonly interval: string;
  readonly requestMetric: string;
  readonly statusLabel: string;
  readonly alerts: ResolvedAlerts;
}

/** Resolves `app.metrics` for `env`; `undefined` for an app without metrics. */
export function resolveMetrics(
  app: AppSpec,
  env: EnvironmentSpec,
  override: AppOverrides = {},
): ResolvedMetrics | undefined {
  const m = app.metrics;
  if (!m) return undefined;
  const micrometer = app.runtime === 'spring-boot';
  return {
    port: m.port,
    path: m.path ?? (micrometer ? '/actuator/prometheus' : '/metrics'),
    interval: m.interval ?? DEFAULT_SCRAPE_INTERVAL,
    requestMetric: m.requestMetric ?? (micrometer ? 'http_server_requests_seconds' : 'http_request_duration_seconds'),
    statusLabel: m.statusLabel ?? (micrometer ? 'status' : 'status_code'),
    alerts: { ...PLATFORM_ALERTS, ...env.observability.alerts, ...m.alerts, ...override.alerts },
  };
}

/**
 * The resolved metrics of an app, for the readers that import them from
 * observability; they are resolved with the rest of the app in `lib/spec/metrics.ts`.
 */
export { resolveMetrics, type ResolvedMetrics } from '../spec/metrics.ts';

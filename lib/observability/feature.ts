/**
 * The observability feature: an app's metrics objects (scrape target, alerts)
 * and, as its pod change, the heap dump volume of a JVM app.
 */
import type { Feature } from '../workload/feature.ts';
import { addHeapDumps, heapDumpsEnabled } from './heapdump.ts';
import { Monitoring } from './metrics.ts';

/** The observability feature, for the feature list. */
export const observabilityFeature: Feature = {
  name: 'observability',
  build: ({ chart, app }) => {
    if (app.metrics) new Monitoring(chart, 'Monitoring', { app, metrics: app.metrics });
    if (!heapDumpsEnabled(app)) return undefined;
    return (template) => addHeapDumps(app, template.spec);
  },
  rules: [],
};

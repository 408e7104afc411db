/**
 * The observability hook of the render: adds the objects of log collection and
 * metrics to an app's chart, and decorates the rendered pod template (log
 * collector sidecar, heap dump volume) whatever the workload kind.
 */
import type { Chart } from 'cdk8s';
import type { ResolvedApp } from '../spec/resolve.ts';
import { LogCollection, addLogCollector } from '../logging/sidecar.ts';
import { addHeapDumps, heapDumpsEnabled } from './heapdump.ts';
import { Monitoring } from './metrics.ts';
import type { PodTemplateJson } from '../kube/pod.ts';

/** What the rendered pod needs from the observability objects of its chart. */
export interface Observed {
  /** The log collector's configuration text, when the app has a log directory. */
  readonly collectorConfigText?: string;
}

/** Adds the log collection and metrics objects of `app` to `chart`. */
export function observe(chart: Chart, app: ResolvedApp): Observed {
  const collection = app.logs ? new LogCollection(chart, 'LogCollection', { app, logs: app.logs }) : undefined;
  if (app.metrics) new Monitoring(chart, 'Monitoring', { app, metrics: app.metrics });
  return { collectorConfigText: collection?.configText };
}

/** Adds heap dumps and the log collector sidecar to the rendered pod template of `app`. */
export function decoratePod(app: ResolvedApp, template: PodTemplateJson, observed: Observed): void {
  if (heapDumpsEnabled(app)) addHeapDumps(app, template.spec);
  if (app.logs && observed.collectorConfigText !== undefined) addLogCollector(app, app.logs, template, observed.collectorConfigText);
}

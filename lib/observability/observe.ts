/**
 * The observability hook of the render: adds the objects of log collection and
 * metrics to an app's chart, synthesises it, and decorates the rendered pod
 * template (log collector sidecar, heap dump volume) whatever the workload kind.
 */
import type { Chart } from 'cdk8s';
import type { KubeObject } from '../render/yaml.ts';
import type { ResolvedApp } from '../spec/resolve.ts';
import { LogCollection, addLogCollector } from '../logging/sidecar.ts';
import { addHeapDumps, heapDumpsEnabled } from './heapdump.ts';
import { Monitoring } from './metrics.ts';
import { podTemplateOf } from './pod.ts';

/** Adds observability to `chart` (which holds `app`'s Microservice) and returns its objects. */
export function observe(chart: Chart, app: ResolvedApp): KubeObject[] {
  const collection = app.logs ? new LogCollection(chart, 'LogCollection', { app, logs: app.logs }) : undefined;
  if (app.metrics) new Monitoring(chart, 'Monitoring', { app, metrics: app.metrics });
  const objects = chart.toJson() as KubeObject[];
  for (const object of objects) {
    const template = podTemplateOf(object);
    if (!template || template.spec.containers[0]?.name !== app.name) continue;
    if (heapDumpsEnabled(app)) addHeapDumps(app, template.spec);
    if (collection && app.logs) addLogCollector(app, app.logs, template, collection.configText);
  }
  return objects;
}

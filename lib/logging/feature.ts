/**
 * The logging feature: an app's log directory collection (the collector's
 * ConfigMap and network policy) and, as its pod change, the collector sidecar.
 * Its policy rule checks every Fluent Bit configuration in the manifests.
 */
import type { Feature } from '../workload/feature.ts';
import { fluentBitConfigRule } from './fluentbit/rule.ts';
import { LogCollection, addLogCollector } from './sidecar.ts';

/** The logging feature, for the feature list. */
export const loggingFeature: Feature = {
  name: 'logging',
  build: ({ chart, app }) => {
    const logs = app.logs;
    if (!logs) return undefined;
    const configText = new LogCollection(chart, 'LogCollection', { app, logs }).configText;
    return (template) => addLogCollector(app, logs, template, configText);
  },
  rules: [fluentBitConfigRule],
};

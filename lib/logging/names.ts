/**
 * Names of the cluster's log pipeline, shared by the app side (sidecars ship
 * here) and the platform side (where the aggregator and agents run).
 */

import { LOGGING_NAMESPACE } from '../spec/reserved.ts';

/** The aggregator: receives records over the forward protocol and ships them to the log stores. */
export const AGGREGATOR = 'log-aggregator';
/** The node agent: collects every container's stdout and stderr. */
export const NODE_AGENT = 'log-node-agent';
/** The event exporter: ships every Kubernetes event. */
export const EVENT_EXPORTER = 'event-exporter';
/** node-problem-detector: turns kernel log problems into node conditions and events. */
export const NODE_PROBLEM_DETECTOR = 'node-problem-detector';
/** Service address of the aggregator, as sidecars and agents reach it. */
export const AGGREGATOR_HOST = `${AGGREGATOR}.${LOGGING_NAMESPACE}.svc`;

/** Tag prefixes, so the aggregator routes records and events to their indexes and topics. */
export const TAGS = {
  /** Records from files of a log directory: `file.<app>`. */
  file: 'file',
  /** Records from container stdout and stderr: `kube.<path>`. */
  stdout: 'kube',
  /** Kubernetes events. */
  event: 'event',
} as const;

/** Name of the log collector sidecar container. */
export const COLLECTOR_CONTAINER = 'log-collector';

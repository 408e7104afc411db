/**
 * The pod template of a rendered workload, whatever its kind (Deployment,
 * CronJob, or the CloneSet and Rollout of the rollout strategies), as plain
 * data: the features change the rendered pod, not the construct that made it.
 */
import type { KubeObject } from './object.ts';

/** An environment variable of a container. */
export interface EnvVarJson {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

/** A container, as far as the features' pod changes touch it. */
export interface ContainerJson {
  name: string;
  env?: EnvVarJson[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  [key: string]: unknown;
}

/** A pod spec, as far as the features' pod changes touch it. */
export interface PodSpecJson {
  containers: ContainerJson[];
  volumes?: { name: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** A pod template. */
export interface PodTemplateJson {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpecJson;
}

/** The pod template inside `object`, or `undefined` for objects that run no pods. */
export function podTemplateOf(object: KubeObject): PodTemplateJson | undefined {
  const spec = object.spec as
    | { template?: PodTemplateJson; jobTemplate?: { spec?: { template?: PodTemplateJson } } }
    | undefined;
  const template = spec?.jobTemplate?.spec?.template ?? spec?.template;
  return Array.isArray(template?.spec?.containers) ? template : undefined;
}

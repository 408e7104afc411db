/**
 * Schema validation of rendered objects against the Kubernetes OpenAPI
 * schemas shipped by `kubernetes-models`. A kind with no registered schema is
 * itself a violation: nothing reaches a cluster unchecked.
 */
import { Namespace, ConfigMap, Secret, Service, ServiceAccount, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Deployment, StatefulSet, DaemonSet } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { KRUISE_MODELS } from '../rollout/kruise.ts';
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { PodTemplate } from 'kubernetes-models/v1';
import { unknownFields, type ThisValidator } from './strict.ts';

/** A model class that validates a plain object. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
}

/** Throws, with ajv-style `errors`, when `object` breaks its kind's schema. */
type Validator = (object: unknown) => void;

/** The `kubernetes-models` classes: their `validate` reads only `this`, so it runs on the object itself. */
const models: readonly ModelClass[] = [
  Namespace,
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
  PersistentVolumeClaim,
  Deployment,
  StatefulSet,
  DaemonSet,
  CronJob,
  Job,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  NetworkPolicy,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  ServiceMonitor,
  PodMonitor,
  PrometheusRule,
] as unknown as ModelClass[];

/**
 * Validating in place skips the copy the model's constructor makes (a third of
 * the validation time); rendered objects hold no `undefined` values, the one
 * thing the copy would drop.
 */
const inPlace = (model: ModelClass): Validator => {
  const validate = model.prototype.validate as (this: unknown) => void;
  return (object) => validate.call(object);
};

const registry = new Map<string, Validator>(models.map((m) => [`${m.apiVersion}/${m.kind}`, inPlace(m)]));

/**
 * Validators that read `this`, for the unknown-field pass. Kinds registered with `registerModels` check unknown
 * fields themselves; their pod templates are checked here with the core PodTemplate schema.
 */
const strictRegistry = new Map<string, ThisValidator>(
  models.map((m) => [`${m.apiVersion}/${m.kind}`, m.prototype.validate as ThisValidator]),
);

/** Registers more models (CRD-backed kinds) for schema validation; each validates a copy made by its constructor. */
export function registerModels(more: readonly ModelClass[]): void {
  for (const m of more) registry.set(`${m.apiVersion}/${m.kind}`, (object) => new m(object as never).validate());
}

registerModels(KRUISE_MODELS);

/** `apiVersion/kind` of every kind `validate` accepts, sorted. */
export function acceptedKinds(): string[] {
  return [...registry.keys()].sort();
}

/**
 * Fields of `object` its kind's schema does not declare, as errors naming the JSON path. An API server with
 * structural schemas drops such fields without a word, so a misspelt or misplaced field would silently do nothing.
 */
export function unknownFieldErrors(object: { apiVersion?: unknown; kind?: unknown; spec?: unknown }): string[] {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const validate = strictRegistry.get(key);
  let paths: string[] = [];
  if (validate) paths = unknownFields(validate, object);
  else if (registry.has(key)) {
    const template = (object.spec as { template?: unknown } | undefined)?.template;
    if (template && typeof template === 'object') {
      const metadata = { name: 'template' };
      const wrapper = { apiVersion: PodTemplate.apiVersion, kind: PodTemplate.kind, metadata, template };
      paths = unknownFields(PodTemplate.prototype.validate as ThisValidator, wrapper)
        .filter((p) => p.startsWith('/template/'))
        .map((p) => `/spec${p}`);
    }
  }
  return paths.map((p) => `${p} is not a field of ${key}`);
}

/** Schema errors of one object: `[]` when valid. Each error names the JSON path. */
export function schemaErrors(object: { apiVersion?: unknown; kind?: unknown }): string[] {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const validate = registry.get(key);
  if (!validate) return [`no schema is registered for ${key}; register its model in lib/validate/schema.ts`];
  try {
    validate(object);
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string; params?: unknown }[] }).errors;
    if (!errors) return [(error as Error).message];
    return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${paramsText(e.params)}`);
  }
}

function paramsText(params: unknown): string {
  if (!params || typeof params !== 'object') return '';
  const p = params as Record<string, unknown>;
  if (typeof p.allowedValues === 'object') return ` (allowed: ${JSON.stringify(p.allowedValues)})`;
  if (typeof p.missingProperty === 'string') return ` ('${p.missingProperty}')`;
  return '';
}

/**
 * Typed models of the OpenKruise objects the platform writes, and their schema checks.
 *
 * Field names follow OpenKruise's API types: CloneSet (`apps.kruise.io/v1alpha1`,
 * `apis/apps/v1alpha1/cloneset_types.go`) and Rollout (`rollouts.kruise.io/v1beta1`,
 * `api/v1beta1/rollout_types.go`). Only the fields the platform emits are typed; the
 * checks reject unknown fields, which an API server with structural schemas would
 * silently drop.
 */
import { PodTemplate } from 'kubernetes-models/v1';

/** The PodTemplate model's validation; it reads only `this`. */
const validatePodTemplate = PodTemplate.prototype.validate as (this: unknown) => void;

/** API version of CloneSet. */
export const CLONESET_API_VERSION = 'apps.kruise.io/v1alpha1';
/** API version of OpenKruise Rollout. */
export const KRUISE_ROLLOUT_API_VERSION = 'rollouts.kruise.io/v1beta1';
/** Pod readiness gate OpenKruise sets to False while it swaps a container image in place. */
export const IN_PLACE_UPDATE_READY = 'InPlaceUpdateReady';

/** An absolute number or a percentage (`'10%'`), as Kubernetes' IntOrString. */
export type IntOrPercent = number | `${number}%`;

/** Object metadata as the platform renders it. */
export interface ObjectMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * How a CloneSet replaces pods: `ReCreate` (delete and create), `InPlaceIfPossible`
 * (swap images in place, recreate for other changes) or `InPlaceOnly` (reject other changes).
 */
export type CloneSetUpdateType = 'ReCreate' | 'InPlaceIfPossible' | 'InPlaceOnly';

/** `spec.updateStrategy` of a CloneSet. */
export interface CloneSetUpdateStrategy {
  readonly type: CloneSetUpdateType;
  /** Pods kept on the old revision; `0` updates all. OpenKruise Rollout moves it batch by batch. */
  readonly partition?: IntOrPercent;
  /** Pods that may be unavailable during the update; an in-place update counts its pod unavailable. */
  readonly maxUnavailable: IntOrPercent;
  /** Pods that may be created above the replica count during the update (new pods, new IPs). */
  readonly maxSurge: IntOrPercent;
  /** Settings of in-place updates. */
  readonly inPlaceUpdateStrategy?: {
    /** Seconds between marking the pod not-ready and swapping its image: the endpoint propagation window. */
    readonly gracePeriodSeconds: number;
  };
}

/** `spec` of a CloneSet. */
export interface CloneSetSpec {
  /** Pod count; left out when an autoscaler owns it. */
  readonly replicas?: number;
  readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
  /** A Kubernetes PodTemplateSpec. */
  readonly template: {
    readonly metadata?: ObjectMetadata | { labels?: Record<string, string> };
    readonly spec: Record<string, unknown>;
  };
  readonly updateStrategy: CloneSetUpdateStrategy;
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
}

/** The workload a Rollout drives. */
export interface WorkloadRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/** One step of a Kruise canary/batch strategy. */
export interface KruiseRolloutStep {
  /** Pods on the new revision after this step: a count or a percentage. */
  readonly replicas: IntOrPercent;
  /** Pause after the step: without `duration` the rollout waits for `kubectl-kruise rollout approve`. */
  readonly pause?: { readonly duration?: number };
}

/** `spec` of a Kruise Rollout. */
export interface KruiseRolloutSpec {
  readonly workloadRef: WorkloadRef;
  readonly strategy: {
    readonly canary: {
      /** `false`: batches move the workload's own partition (in place for a CloneSet), no extra canary workload. */
      readonly enableExtraWorkloadForCanary: boolean;
      readonly steps: readonly KruiseRolloutStep[];
    };
  };
}

/** An OpenKruise Rollout. */
export interface KruiseRollout {
  readonly apiVersion: typeof KRUISE_ROLLOUT_API_VERSION;
  readonly kind: 'Rollout';
  readonly metadata: ObjectMetadata;
  readonly spec: KruiseRolloutSpec;
}

/** A schema error in the shape ajv (and so `kubernetes-models`) reports. */
export interface SchemaIssue {
  readonly instancePath: string;
  readonly message: string;
  readonly params?: Record<string, unknown>;
}

/** A structural schema: enough of OpenAPI for the fields the platform emits. */
type Shape =
  | 'string'
  | 'boolean'
  | 'int'
  | 'intOrPercent'
  | 'stringMap'
  | 'any'
  | { readonly enum: readonly string[] }
  | { readonly array: Shape; readonly maxItems?: number }
  | { readonly object: Readonly<Record<string, Shape>>; readonly required?: readonly string[] };

const PERCENT = /^\d+%$/;

/** Checks `value` against `shape`; appends ajv-style issues to `out`. */
function check(shape: Shape, value: unknown, path: string, out: SchemaIssue[]): void {
  if (shape === 'any') return;
  if (shape === 'string' || shape === 'boolean') {
    if (typeof value !== shape) out.push({ instancePath: path, message: `must be ${shape}` });
    return;
  }
  if (shape === 'int') {
    if (!Number.isInteger(value) || (value as number) < 0)
      out.push({ instancePath: path, message: 'must be a non-negative integer' });
    return;
  }
  if (shape === 'intOrPercent') {
    const ok =
      (Number.isInteger(value) && (value as number) >= 0) || (typeof value === 'string' && PERCENT.test(value));
    if (!ok) out.push({ instancePath: path, message: "must be a non-negative integer or a percentage such as '10%'" });
    return;
  }
  if (shape === 'stringMap') {
    if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string'))
      out.push({ instancePath: path, message: 'must be a map of strings' });
    return;
  }
  if ('enum' in shape) {
    if (typeof value !== 'string' || !shape.enum.includes(value))
      out.push({
        instancePath: path,
        message: 'must be equal to one of the allowed values',
        params: { allowedValues: shape.enum },
      });
    return;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) {
      out.push({ instancePath: path, message: 'must be array' });
      return;
    }
    if (shape.maxItems !== undefined && value.length > shape.maxItems)
      out.push({ instancePath: path, message: `must NOT have more than ${shape.maxItems} items` });
    for (const [i, item] of value.entries()) check(shape.array, item, `${path}/${i}`, out);
    return;
  }
  if (!isRecord(value)) {
    out.push({ instancePath: path, message: 'must be object' });
    return;
  }
  for (const key of shape.required ?? []) {
    if (value[key] === undefined)
      out.push({ instancePath: path, message: 'must have required property', params: { missingProperty: key } });
  }
  for (const [key, v] of Object.entries(value)) {
    const child = shape.object[key];
    if (child === undefined) out.push({ instancePath: path, message: `must NOT have additional property '${key}'` });
    else if (v !== undefined) check(child, v, `${path}/${key}`, out);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const metadataShape: Shape = {
  object: { name: 'string', namespace: 'string', labels: 'stringMap', annotations: 'stringMap' },
  required: ['name'],
};

const labelSelectorShape: Shape = {
  object: {
    matchLabels: 'stringMap',
    matchExpressions: {
      array: {
        object: {
          key: 'string',
          operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { array: 'string' },
        },
        required: ['key', 'operator'],
      },
    },
  },
};

const cloneSetShape: Shape = {
  object: {
    apiVersion: 'string',
    kind: 'string',
    metadata: metadataShape,
    spec: {
      object: {
        replicas: 'int',
        selector: labelSelectorShape,
        template: 'any',
        minReadySeconds: 'int',
        revisionHistoryLimit: 'int',
        updateStrategy: {
          object: {
            type: { enum: ['ReCreate', 'InPlaceIfPossible', 'InPlaceOnly'] },
            partition: 'intOrPercent',
            maxUnavailable: 'intOrPercent',
            maxSurge: 'intOrPercent',
            paused: 'boolean',
            inPlaceUpdateStrategy: { object: { gracePeriodSeconds: 'int' } },
          },
        },
      },
      required: ['selector', 'template'],
    },
  },
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
};

const rolloutShape: Shape = {
  object: {
    apiVersion: 'string',
    kind: 'string',
    metadata: metadataShape,
    spec: {
      object: {
        workloadRef: {
          object: { apiVersion: 'string', kind: 'string', name: 'string' },
          required: ['apiVersion', 'kind', 'name'],
        },
        disabled: 'boolean',
        strategy: {
          object: {
            paused: 'boolean',
            canary: {
              object: {
                enableExtraWorkloadForCanary: 'boolean',
                failureThreshold: 'intOrPercent',
                steps: {
                  array: {
                    object: { replicas: 'intOrPercent', pause: { object: { duration: 'int' } }, traffic: 'string' },
                  },
                  maxItems: 50,
                },
              },
            },
          },
        },
      },
      required: ['workloadRef', 'strategy'],
    },
  },
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
};

/** Schema issues of a CloneSet: its own fields, and its pod template against the Kubernetes schema. */
export function cloneSetIssues(object: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  check(cloneSetShape, object, '', out);
  const spec = isRecord(object) && isRecord(object.spec) ? object.spec : undefined;
  if (spec?.template !== undefined) {
    try {
      // Validated in place, as lib/validate/schema.ts validates objects: the model's constructor would copy the
      // template first.
      validatePodTemplate.call({
        apiVersion: PodTemplate.apiVersion,
        kind: PodTemplate.kind,
        metadata: { name: 'template' },
        template: spec.template,
      });
    } catch (error) {
      const errors = (error as { errors?: SchemaIssue[] }).errors ?? [
        { instancePath: '/template', message: (error as Error).message },
      ];
      for (const e of errors)
        out.push({ instancePath: `/spec${e.instancePath}`, message: e.message ?? 'is invalid', params: e.params });
    }
    const selector = isRecord(spec.selector) && isRecord(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
    const labels = ((spec.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ??
      {}) as Record<string, string>;
    for (const [k, v] of Object.entries(selector)) {
      if (labels[k] !== v)
        out.push({
          instancePath: '/spec/selector/matchLabels',
          message: `selects label ${k}=${String(v)}, which the pod template does not carry`,
        });
    }
  }
  return out;
}

/** Schema issues of a Kruise Rollout. */
export function kruiseRolloutIssues(object: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  check(rolloutShape, object, '', out);
  return out;
}

/** A validating model class, as `lib/validate/schema.ts` registers them. */
export interface ValidatingModel {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
}

function model(apiVersion: string, kind: string, issues: (o: unknown) => SchemaIssue[]): ValidatingModel {
  return class {
    static readonly apiVersion = apiVersion;
    static readonly kind = kind;
    constructor(private readonly data: unknown) {}
    validate(): void {
      const errors = issues(this.data);
      if (errors.length > 0) throw Object.assign(new Error(`${kind} is invalid`), { errors });
    }
  };
}

/** Models of the OpenKruise kinds, for schema validation. */
export const KRUISE_MODELS: readonly ValidatingModel[] = [
  model(CLONESET_API_VERSION, 'CloneSet', cloneSetIssues),
  model(KRUISE_ROLLOUT_API_VERSION, 'Rollout', kruiseRolloutIssues),
];

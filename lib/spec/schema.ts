/**
 * Shape checks of specs (types, unknown fields) with zod, turned into `Problem`s.
 * Meaning checks (names, clashes, cross references) live in `validate.ts`.
 */
import { z } from 'zod';
import type { AppSpec } from './app.ts';
import { RISKS, type EnvironmentSpec } from './environment.ts';
import { closest, type ProblemSink } from './problems.ts';
import { clusterRolloutFacts, rolloutOverridesSchema, rolloutPolicySchema, rolloutSchema } from './rollout-schema.ts';

const envNames = ['dev', 'sit', 'uat', 'staging', 'prod', 'dr'] as const;

const secretRefSchema = z.strictObject({ secret: z.string(), key: z.string() });
const envValueSchema = z.union([z.string(), secretRefSchema]);
const resourcesSchema = z.strictObject({
  cpu: z.string().optional(),
  memory: z.string().optional(),
  cpuLimit: z.string().optional(),
  memoryLimit: z.string().optional(),
});
const autoscalingSchema = z.strictObject({
  minReplicas: z.number().int(),
  maxReplicas: z.number().int(),
  cpuUtilization: z.number().int().optional(),
});

const alertsSchema = z.strictObject({
  errorRatio: z.number().optional(),
  latencyP99Seconds: z.number().optional(),
  restartsPerHour: z.number().optional(),
  notReadyMinutes: z.number().optional(),
});
const logsSchema = z.strictObject({
  dir: z.string(),
  include: z.array(z.string()).optional(),
  multiline: z.union([z.literal('java'), z.strictObject({ startPattern: z.string() })]).optional(),
  sizeLimit: z.string().optional(),
});
const metricsSchema = z.strictObject({
  port: z.string(),
  path: z.string().optional(),
  interval: z.string().optional(),
  requestMetric: z.string().optional(),
  statusLabel: z.string().optional(),
  alerts: alertsSchema.optional(),
});
const credentialsSchema = z.strictObject({ user: secretRefSchema, password: secretRefSchema });
const logSinkSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('stdout') }),
  z.strictObject({
    type: z.literal('loki'),
    host: z.string(),
    port: z.number().int().optional(),
    tls: z.boolean().optional(),
    tenant: z.string().optional(),
    credentials: credentialsSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('elasticsearch'),
    host: z.string(),
    port: z.number().int().optional(),
    tls: z.boolean().optional(),
    indexPrefix: z.string().optional(),
    credentials: credentialsSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('kafka'),
    brokers: z.array(z.string()),
    topic: z.string(),
    eventsTopic: z.string().optional(),
    tls: z.boolean().optional(),
    sasl: z
      .strictObject({
        mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
        user: secretRefSchema,
        password: secretRefSchema,
      })
      .optional(),
  }),
]);
const observabilitySchema = z.strictObject({
  logSinks: z.array(logSinkSchema),
  images: z.strictObject({ fluentBit: z.string(), nodeProblemDetector: z.string(), jdkDebug: z.string() }),
  prometheus: z.strictObject({
    namespace: z.string(),
    podLabels: z.record(z.string(), z.string()),
    resourceLabels: z.record(z.string(), z.string()).optional(),
    url: z.string().optional(),
  }),
  aggregatorReplicas: z.number().int().optional(),
  alerts: alertsSchema.optional(),
  verification: z
    .strictObject({
      gatePromotions: z.boolean().optional(),
      minRequests: z.number().optional(),
      significance: z.number().optional(),
      latencyMarginPercent: z.number().optional(),
      batchWindowMinutes: z.number().optional(),
      timeoutSeconds: z.number().optional(),
    })
    .optional(),
});

const overridesSchema = z.strictObject({
  replicas: z.number().int().optional(),
  resources: resourcesSchema.optional(),
  env: z.record(z.string(), envValueSchema).optional(),
  config: z.record(z.string(), z.string()).optional(),
  autoscaling: z.union([autoscalingSchema, z.literal(false)]).optional(),
  schedule: z.string().optional(),
  rollout: rolloutOverridesSchema.optional(),
  alerts: alertsSchema.optional(),
});

/** Shape of an app spec. */
export const appSchema = z.strictObject({
  name: z.string(),
  team: z.string(),
  description: z.string().optional(),
  image: z.string(),
  kind: z.enum(['service', 'worker', 'cronjob']).optional(),
  runtime: z.enum(['spring-boot', 'node', 'generic']).optional(),
  namespace: z.string().optional(),
  ports: z
    .array(z.strictObject({ name: z.string(), port: z.number().int(), servicePort: z.number().int().optional() }))
    .optional(),
  health: z
    .strictObject({
      readiness: z.string(),
      liveness: z.string().optional(),
      startup: z.string().optional(),
      port: z.string().optional(),
      startupSeconds: z.number().int().optional(),
    })
    .optional(),
  resources: resourcesSchema.optional(),
  replicas: z.number().int().optional(),
  env: z.record(z.string(), envValueSchema).optional(),
  config: z.record(z.string(), z.string()).optional(),
  configDir: z.string().optional(),
  autoscaling: autoscalingSchema.optional(),
  schedule: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  network: z
    .strictObject({
      allowFrom: z.array(z.string()).optional(),
      fromIngress: z.boolean().optional(),
      callsApps: z.array(z.string()).optional(),
      egress: z.array(z.string()).optional(),
      openEgressReason: z.string().optional(),
    })
    .optional(),
  security: z
    .strictObject({ writableRootFilesystem: z.boolean().optional(), reason: z.string().optional() })
    .optional(),
  rollout: rolloutSchema.optional(),
  environments: z.array(z.enum(envNames)).optional(),
  overrides: z.record(z.string(), overridesSchema).optional(),
  logs: logsSchema.optional(),
  metrics: metricsSchema.optional(),
  notSecrets: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<AppSpec>;

const riskLevelSchema = z.enum(RISKS).optional();
const riskSchema = z.strictObject({
  image: riskLevelSchema,
  config: riskLevelSchema,
  scale: riskLevelSchema,
  resources: riskLevelSchema,
  rollout: riskLevelSchema,
  added: riskLevelSchema,
  removed: riskLevelSchema,
  other: riskLevelSchema,
  'scale-to-zero': riskLevelSchema,
  'disruption-budget': riskLevelSchema,
  'pod-ip-change': riskLevelSchema,
});

/** Shape of an environment spec. */
export const environmentSchema = z.strictObject({
  name: z.enum(envNames),
  description: z.string(),
  cluster: z.strictObject({
    name: z.string(),
    apiServer: z.string(),
    kubernetesVersion: z.string(),
    region: z.string(),
    zones: z.array(z.string()),
    ingressNamespace: z.string(),
    ...clusterRolloutFacts,
  }),
  ingressDomain: z.string(),
  promotion: z.strictObject({
    from: z.enum(envNames).optional(),
    releasedWith: z.enum(envNames).optional(),
    minSoakHours: z.number().optional(),
    hotfixFrom: z.array(z.enum(envNames)).optional(),
    freezeWindows: z
      .array(
        z.strictObject({
          name: z.string(),
          reason: z.string(),
          schedule: z.string().optional(),
          duration: z.string().optional(),
          start: z.string().optional(),
          end: z.string().optional(),
          timeZone: z.string().optional(),
        }),
      )
      .optional(),
  }),
  capacity: z.strictObject({ defaultReplicas: z.number().int(), defaultCpu: z.string(), defaultMemory: z.string() }),
  images: z.strictObject({
    allowMutableTags: z.boolean(),
    requireDigest: z.boolean(),
    allowedRegistries: z.array(z.string()).optional(),
  }),
  network: z.strictObject({ openEgressNeedsReason: z.boolean().optional() }).optional(),
  approvals: z.strictObject({
    required: z.number().int(),
    approvers: z.array(z.string()),
    risk: riskSchema.optional(),
    signedCommits: z.boolean().optional(),
  }),
  deletionGuard: z
    .strictObject({ maxRemovedShare: z.number().optional(), refuseAppRemoval: z.boolean().optional() })
    .optional(),
  rollout: rolloutPolicySchema.optional(),
  observability: observabilitySchema,
  delivery: z.strictObject({ autoSync: z.boolean().optional() }).optional(),
  tenancy: z
    .strictObject({
      quota: z.strictObject({
        requestsCpu: z.string(),
        requestsMemory: z.string(),
        limitsMemory: z.string(),
        pods: z.number().int(),
      }),
      limits: z.strictObject({
        defaultRequestCpu: z.string(),
        defaultRequestMemory: z.string(),
        defaultLimitMemory: z.string(),
        maxMemory: z.string(),
      }),
      teamAccess: z.enum(['view', 'edit']),
      groupPrefix: z.string(),
    })
    .optional(),
}) satisfies z.ZodType<EnvironmentSpec>;

/** Shape of a versions file: app name → pinned image, and the git blob of the app's spec it runs. */
export const versionsSchema = z.record(
  z.string(),
  z.strictObject({ tag: z.string(), digest: z.string().optional(), spec: z.string().optional() }),
);

/** Parses `input` with `schema`; records every shape problem against `file`. Returns the value only when valid. */
export function checkShape<T>(schema: z.ZodType<T>, input: unknown, file: string, sink: ProblemSink): T | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) reportIssue(issue, schema, input, file, sink);
  return undefined;
}

type Issue = z.core.$ZodIssue;

function reportIssue(issue: Issue, schema: z.ZodType, root: unknown, file: string, sink: ProblemSink): void {
  const path = issue.path;
  const field = fieldPath(path);
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        sink.add(
          file,
          field ? `${field}.${key}` : key,
          (value as Record<string, unknown> | undefined)?.[key],
          'unknown field',
          guess ? `did you mean '${guess}'? Rename it` : `remove it; known fields here are: ${known.join(', ')}`,
        );
      }
      return;
    }
    case 'invalid_type': {
      if (value === undefined) {
        sink.add(file, field, value, 'required field is missing', `add '${lastKey(path)}' (a ${issue.expected})`);
      } else {
        sink.add(
          file,
          field,
          value,
          `expected a ${issue.expected}, got ${describe(value)}`,
          `write it as a ${issue.expected}`,
        );
      }
      return;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      sink.add(file, field, value, 'not an allowed value', `use one of ${options}`);
      return;
    }
    case 'invalid_union': {
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const allowed = discriminatorValues(schema, path.slice(0, -1), issue.discriminator);
        sink.add(
          file,
          field,
          value,
          `not a known ${issue.discriminator}`,
          allowed.length > 0 ? `use one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : 'correct the value',
        );
        return;
      }
      // A branch that accepts the value's type explains the problem best (a misspelt field, a missing key).
      const branch = issue.errors.find(
        (errors) => errors.length > 0 && errors.every((e) => e.path.length > 0 || e.code === 'unrecognized_keys'),
      );
      if (branch) {
        for (const inner of branch)
          reportIssue({ ...inner, path: [...path, ...inner.path] } as Issue, schema, root, file, sink);
        return;
      }
      if (!/(^|\.)env\./.test(field)) {
        const expected = issue.errors
          .map((errors) => expectedOf(errors[0]))
          .filter((e): e is string => e !== undefined);
        sink.add(
          file,
          field,
          value,
          `expected ${expected.join(' or ')}, got ${describe(value)}`,
          "write one of them (see the field's doc comment in lib/spec/)",
        );
        return;
      }
      sink.add(
        file,
        field,
        value,
        `expected a plain string or secretRef('secret-name', 'key'), got ${describe(value)}`,
        "write a string, or use secretRef() from 'lib/spec' for values kept in a Kubernetes Secret",
      );
      return;
    }
    default:
      sink.add(file, field, value, issue.message, 'correct the value');
  }
}

/** What one branch of a union expects, from its first issue. */
function expectedOf(issue: Issue | undefined): string | undefined {
  if (!issue) return undefined;
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  if (issue.code === 'invalid_type') return `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
  return undefined;
}

/** The values of `discriminator` the discriminated union at `path` accepts. */
function discriminatorValues(root: z.ZodType, path: readonly PropertyKey[], discriminator: string): string[] {
  let schema: z.ZodType | undefined = root;
  for (const part of path) schema = childSchema(schema, part);
  const union = unwrap(schema);
  if (!(union instanceof z.ZodUnion)) return [];
  const values: string[] = [];
  for (const option of union.options as z.ZodType[]) {
    const literal = objectShape(option)?.[discriminator];
    if (literal instanceof z.ZodLiteral) values.push(...[...(literal.values as Set<unknown>)].map(String));
  }
  return values;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function lastKey(path: PropertyKey[]): string {
  return String(path[path.length - 1] ?? '');
}

/** `['ports', 0, 'port']` → `ports[0].port`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** The field names the strict object at `path` accepts, found by walking the schema. */
function knownKeys(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = root;
  for (const part of path) schema = childSchema(schema, part);
  const shape = objectShape(schema);
  return shape ? Object.keys(shape).sort() : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
  if (s instanceof z.ZodUnion) {
    for (const option of s.options as z.ZodType[]) {
      const shape = objectShape(option);
      if (shape) return shape;
    }
  }
  return undefined;
}

function childSchema(schema: z.ZodType | undefined, part: PropertyKey): z.ZodType | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodArray) return s.element as z.ZodType;
  if (s instanceof z.ZodRecord) return s.valueType as z.ZodType;
  const shape = objectShape(s);
  return shape?.[String(part)];
}

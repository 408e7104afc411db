/**
 * Shape checks of specs (types, unknown fields) with zod, turned into `Problem`s.
 * Meaning checks (names, clashes, cross references) live in `validate.ts`.
 */
import { z } from 'zod';
import type { AppSpec } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';
import { closest, type ProblemSink } from './problems.ts';

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

const overridesSchema = z.strictObject({
  replicas: z.number().int().optional(),
  resources: resourcesSchema.optional(),
  env: z.record(z.string(), envValueSchema).optional(),
  config: z.record(z.string(), z.string()).optional(),
  autoscaling: z.union([autoscalingSchema, z.literal(false)]).optional(),
  schedule: z.string().optional(),
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
  ports: z.array(z.strictObject({ name: z.string(), port: z.number().int(), servicePort: z.number().int().optional() })).optional(),
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
    })
    .optional(),
  security: z.strictObject({ writableRootFilesystem: z.boolean().optional(), reason: z.string().optional() }).optional(),
  environments: z.array(z.enum(envNames)).optional(),
  overrides: z.record(z.string(), overridesSchema).optional(),
}) satisfies z.ZodType<AppSpec>;

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
  images: z.strictObject({ allowMutableTags: z.boolean(), requireDigest: z.boolean() }),
  approvals: z.strictObject({ required: z.number().int(), approvers: z.array(z.string()) }),
  delivery: z.strictObject({ autoSync: z.boolean().optional() }).optional(),
  tenancy: z
    .strictObject({
      quota: z.strictObject({ requestsCpu: z.string(), requestsMemory: z.string(), limitsMemory: z.string(), pods: z.number().int() }),
      limits: z.strictObject({ defaultRequestCpu: z.string(), defaultRequestMemory: z.string(), defaultLimitMemory: z.string(), maxMemory: z.string() }),
      teamAccess: z.enum(['view', 'edit']),
      groupPrefix: z.string(),
    })
    .optional(),
}) satisfies z.ZodType<EnvironmentSpec>;

/** Shape of a versions file: app name → pinned image. */
export const versionsSchema = z.record(
  z.string(),
  z.strictObject({ tag: z.string(), digest: z.string().optional() }),
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
        sink.add(file, field, value, `expected a ${issue.expected}, got ${describe(value)}`, `write it as a ${issue.expected}`);
      }
      return;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      sink.add(file, field, value, 'not an allowed value', `use one of ${options}`);
      return;
    }
    case 'invalid_union': {
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

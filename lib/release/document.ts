/**
 * The release-order JSON document (`release-order --format json`): one
 * schema, the contract other tooling reads (README, "Release orders"). It types the writer
 * (`json.ts`) and parses the document in every reader, so a malformed file
 * fails with the field at fault. Readers that need only part of it take the
 * part they read (`OrderView`), cut from the same schema. Fields are listed
 * in the order the writer writes them, which is the order a parsed document keeps.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RISKS } from '../spec/environment.ts';
import { fieldPath } from '../spec/schema.ts';

const risk = z.enum(RISKS);
/** A pinned release: image tag and digest, and the git blob of the app's spec outside the chain's entry. */
const pinned = z.object({ tag: z.string(), digest: z.string().optional(), spec: z.string().optional() });

const violationSchema = z.object({
  /** Environment, or `*` for the whole head revision. */
  env: z.string(),
  rule: z.string(),
  /** Whether an approver's override may lift it. */
  overridable: z.boolean(),
  message: z.string(),
  /** Objects (or files) concerned. */
  objects: z.array(z.string()),
});

const rolloutSchema = z.object({
  object: z.string(),
  workload: z.string(),
  pods: z.enum(['created', 'deleted', 'replaced', 'unchanged']),
  strategy: z.string(),
  inPlace: z.boolean().nullable(),
  recreatedBy: z.array(z.string()),
  steppedBy: z.string().nullable(),
  steps: z.array(z.object({ text: z.string(), manualGate: z.boolean(), check: z.string().nullable() })),
});

const environmentSchema = z.object({
  env: z.string(),
  step: z.number().int().min(1),
  wave: z.union([z.literal(1), z.literal(2)]),
  releasedWith: z.string().nullable(),
  risk,
  approvalsRequired: z.number().int().min(0),
  /** Team handles whose members may approve (`@insure/sre`). */
  approvers: z.array(z.string()),
  apps: z.array(
    z.object({
      app: z.string(),
      status: z.enum(['added', 'removed', 'changed']),
      versionBefore: z.string().nullable(),
      versionAfter: z.string().nullable(),
      risk,
      changes: z.number().int().min(0),
      rollout: z.array(rolloutSchema),
    }),
  ),
});

const summarySchema = z.object({
  env: z.string(),
  apps: z.number().int().min(0),
  common: z.number().int().min(0),
  groups: z.array(
    z.object({
      kind: z.string(),
      objectKind: z.string(),
      path: z.string(),
      before: z.string().nullable(),
      after: z.string().nullable(),
      risk,
      apps: z.array(z.string()),
      causes: z.array(z.object({ type: z.string(), paths: z.array(z.string()), features: z.array(z.string()) })),
    }),
  ),
  standouts: z.array(z.object({ app: z.string(), extra: z.array(z.string()), missing: z.array(z.string()) })),
});

const changeSchema = z.object({
  env: z.string(),
  app: z.string(),
  /** `image`, `config`, `scale`, `resources`, `rollout`, `added`, `removed` or `other`. */
  kind: z.string(),
  /** `apiVersion/kind/namespace/name`. */
  object: z.string(),
  risk,
  triggers: z.array(z.string()),
  fields: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
});

/** The schema of the release-order JSON document. */
export const releaseOrderSchema = z.object({
  /** Resolved SHA of the base revision. */
  base: z.string(),
  /** Resolved SHA of the head revision. */
  head: z.string(),
  verified: z.enum(['fresh', 'failed', 'unchecked']),
  blocked: z.boolean(),
  guard: z.object({
    violations: z.array(violationSchema),
    /** `Release-Override:` commit trailers: requests, which lift nothing. */
    requests: z.array(z.object({ text: z.string(), commit: z.string(), author: z.string() })),
  }),
  /**
   * The chain rule, one pull request, one step of the chain: `ok` when no environment changes with its upstream,
   * or when a `Chain-Override` commit trailer (`override`) covers the violations, which stay listed.
   */
  chain: z.object({
    ok: z.boolean(),
    violations: z.array(
      z.object({
        env: z.string(),
        /** The environment `env` takes its versions from (for dr, prod's upstream). */
        upstream: z.string(),
        /** Apps whose manifests change in `env` or `upstream`, sorted. */
        apps: z.array(z.string()),
      }),
    ),
    override: z.object({ reason: z.string(), commit: z.string(), author: z.string() }).optional(),
  }),
  /** Pins that change; `source` is where the gates proved the artifact comes from (`null`: not proven). */
  pins: z.array(
    z.object({
      env: z.string(),
      app: z.string(),
      before: pinned.nullable(),
      after: pinned.nullable(),
      source: z.string().nullable(),
    }),
  ),
  environments: z.array(environmentSchema),
  summary: z.array(summarySchema),
  changes: z.array(changeSchema),
});

/** A type with every array and field read-only, all the way down. */
type Frozen<T> = T extends readonly (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

/** The release-order JSON document, as written and as parsed. */
export type ReleaseOrderDocument = Frozen<z.output<typeof releaseOrderSchema>>;

/** What one environment's part of a release order demands. */
export type EnvironmentOrder = Pick<
  ReleaseOrderDocument['environments'][number],
  'env' | 'risk' | 'approvalsRequired' | 'approvers'
>;
/** One change of a release order. */
export type OrderChange = Pick<ReleaseOrderDocument['changes'][number], 'env' | 'app' | 'kind' | 'risk'>;
/** A refusal of the release guards (deletion guard, promotion gates). */
export type OrderViolation = Pick<
  ReleaseOrderDocument['guard']['violations'][number],
  'env' | 'rule' | 'overridable' | 'message'
>;
/** The chain rule's verdict of a release order. */
export type OrderChain = ReleaseOrderDocument['chain'];
/** A pin the release order changes. */
export type OrderPin = Pick<ReleaseOrderDocument['pins'][number], 'env' | 'app' | 'after' | 'source'>;

/**
 * The part of a release order that approvals, release records and next
 * promotions read. A parsed document is one, and code may build just this part; a file, though, parses only
 * as a whole document, as the writer of the same platform version writes it.
 */
export interface OrderView {
  readonly base: string;
  readonly head: string;
  readonly guard: { readonly violations: readonly OrderViolation[] };
  readonly pins: readonly OrderPin[];
  readonly changes: readonly OrderChange[];
  readonly environments: readonly EnvironmentOrder[];
  /**
   * The chain rule's verdict; under `override` every environment of the order needs its own approvals.
   * @default - no override in force
   */
  readonly chain?: OrderChain;
  /** Whether the head re-rendered to its committed manifests. @default - not known */
  readonly verified?: ReleaseOrderDocument['verified'];
}

/**
 * Parses release-order JSON text; `source` names it in errors. The whole document must be there: the workflows
 * read only what `release-order --format json` of the same revision wrote.
 */
export function parseReleaseOrder(text: string, source: string): ReleaseOrderDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source}: not JSON (${(error as Error).message}); produce it with npm run -s release-order -- --format json`,
    );
  }
  const result = releaseOrderSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${source}: '${fieldPath(i.path)}': ${i.message}`);
    throw new Error(`${source} is not a release order (release-order --format json):\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Reads and parses a release-order JSON file. */
export function readReleaseOrder(file: string): ReleaseOrderDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the release order ${file}: ${(error as Error).message}`);
  }
  return parseReleaseOrder(text, file);
}

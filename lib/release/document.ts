/**
 * The part of `release-order --format json` the delivery tooling reads,
 * checked on the way in so a malformed file fails with the field at fault.
 * The shape is the contract in `shared/DESIGN.md`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fieldPath } from '../spec/schema.ts';

/** Risk levels, lowest first. */
export const RISKS = ['low', 'medium', 'high'] as const;
/** A release order's risk. */
export type Risk = (typeof RISKS)[number];

const violationSchema = z.looseObject({ env: z.string(), rule: z.string(), overridable: z.boolean(), message: z.string() });

const orderSchema = z.looseObject({
  base: z.string(),
  head: z.string(),
  guard: z.looseObject({ violations: z.array(violationSchema) }),
  pins: z.array(
    z.looseObject({
      env: z.string(),
      app: z.string(),
      after: z.looseObject({ tag: z.string(), digest: z.string().optional() }).nullable(),
      source: z.string().nullable(),
    }),
  ),
  changes: z.array(z.looseObject({ env: z.string(), app: z.string(), kind: z.string(), risk: z.enum(RISKS) })),
  environments: z.array(
    z.looseObject({
      env: z.string(),
      risk: z.enum(RISKS),
      approvalsRequired: z.number().int().min(0),
      approvers: z.array(z.string()),
    }),
  ),
});

/** What one environment's part of a release order demands. */
export interface EnvironmentOrder {
  readonly env: string;
  readonly risk: Risk;
  readonly approvalsRequired: number;
  /** Team handles whose members may approve (`@insure/sre`). */
  readonly approvers: readonly string[];
}

/** One change of a release order. */
export interface OrderChange {
  readonly env: string;
  readonly app: string;
  readonly kind: string;
  readonly risk: Risk;
}

/** A refusal of the release guards (deletion guard, promotion gates). */
export interface OrderViolation {
  /** Environment, or `*` for the whole head revision. */
  readonly env: string;
  readonly rule: string;
  /** Whether an approver's override may lift it. */
  readonly overridable: boolean;
  readonly message: string;
}

/** A pin the release order changes. */
export interface OrderPin {
  readonly env: string;
  readonly app: string;
  readonly after: { readonly tag: string; readonly digest?: string } | null;
  /** Upstream environment, `build` or `rollback`; `null` when no gate proved it. */
  readonly source: string | null;
}

/** A release order, as far as delivery reads it. */
export interface ReleaseOrder {
  readonly base: string;
  readonly head: string;
  readonly guard: { readonly violations: readonly OrderViolation[] };
  /** Pins that change, with where the gates proved each artifact comes from (`null`: not proven). */
  readonly pins: readonly OrderPin[];
  readonly changes: readonly OrderChange[];
  readonly environments: readonly EnvironmentOrder[];
}

/** Parses release-order JSON text; `source` names it in errors. */
export function parseReleaseOrder(text: string, source: string): ReleaseOrder {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message}); produce it with npm run -s release-order -- --format json`);
  }
  const result = orderSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${source}: '${fieldPath(i.path)}': ${i.message}`);
    throw new Error(`${source} is not a release order (release-order --format json):\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Reads and parses a release-order JSON file. */
export function readReleaseOrder(file: string): ReleaseOrder {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the release order ${file}: ${(error as Error).message}`);
  }
  return parseReleaseOrder(text, file);
}

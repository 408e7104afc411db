/**
 * Shapes (zod) of the rollout fields of app and environment specs. `lib/spec/schema.ts`
 * plugs them into the app and environment shapes; meaning checks live in `spec.ts`.
 */
import { z } from 'zod';

/** Names of the release strategies. */
export const STRATEGIES = ['rolling', 'in-place', 'batches'] as const;
/** Names of the batch controllers a cluster may run. */
export const BATCH_CONTROLLERS = ['kruise-rollout', 'none'] as const;

const batchStepSchema = z.strictObject({
  percent: z.number().int(),
  manual: z.boolean().optional(),
  pauseSeconds: z.number().int().optional(),
});

/** Shape of `AppSpec.rollout`. */
export const rolloutSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).optional(),
  fixedIp: z.boolean().optional(),
  critical: z.boolean().optional(),
  drainSeconds: z.number().int().optional(),
  shell: z.boolean().optional(),
  shutdownDelaySeconds: z.number().int().optional(),
  batches: z.array(batchStepSchema).optional(),
});

/** Shape of `AppOverrides.rollout`. */
export const rolloutOverridesSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).optional(),
  drainSeconds: z.number().int().optional(),
  batches: z.array(batchStepSchema).optional(),
});

/** Shape of `EnvironmentSpec.rollout`. */
export const rolloutPolicySchema = z.strictObject({
  strategy: z.enum(STRATEGIES).optional(),
  criticalStrategy: z.enum(STRATEGIES).optional(),
  fixedIpStrategy: z.enum(STRATEGIES).optional(),
  maxSurgePercent: z.number().int().optional(),
  maxUnavailablePercent: z.number().int().optional(),
  minReadySeconds: z.number().int().optional(),
  preStopSeconds: z.number().int().optional(),
  drainSeconds: z.number().int().optional(),
  batches: z.array(batchStepSchema).optional(),
  requireManualGate: z.boolean().optional(),
  minReplicasForUnavailable: z.number().int().optional(),
});

/** Shape of the rollout facts of `ClusterFacts`. */
export const clusterRolloutFacts = {
  openKruise: z.boolean().optional(),
  batchController: z.enum(BATCH_CONTROLLERS).optional(),
};

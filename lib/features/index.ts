/**
 * The feature list: every concern that adds to an app, in one place. The render
 * builds each app's `Microservice`, then every feature's objects on it, and
 * after synthesis applies their pod changes to the app's workload in this
 * order. Validation runs the platform's own rules and the features' rules.
 * Adding a feature is a folder of its own and one line here.
 */
import { loggingFeature } from '../logging/feature.ts';
import type { Rule } from '../kube/rule.ts';
import { observabilityFeature } from '../observability/feature.ts';
import { rolloutFeature } from '../rollout/feature.ts';
import { workloadFeature, type Feature } from '../workload/feature.ts';

/**
 * The features, in the order their pod changes apply: the workload's own fields
 * first, then the preStop hold, the heap dump volume and the log collector sidecar.
 */
export const FEATURES: readonly Feature[] = [workloadFeature, rolloutFeature, observabilityFeature, loggingFeature];

/** The policy rules the features bring, in feature order. */
export const FEATURE_RULES: readonly Rule[] = FEATURES.flatMap((f) => f.rules);

/**
 * The shape of a feature: what one concern (the workload itself, rollout,
 * observability, logging) adds to an app. A feature builds its objects on the
 * app's `Microservice`, returns its change to the app's rendered pod, and
 * names the policy rules it brings. The features are listed, in the order
 * their pod changes apply, in one place: `lib/features/index.ts`. A feature
 * never imports the render or validation; they read it through that list.
 */
import type { Chart } from 'cdk8s';
import type { PodTemplateJson } from '../kube/pod.ts';
import type { Rule } from '../kube/rule.ts';
import type { ResolvedApp } from '../spec/resolve.ts';
import { finishPodTemplate, type Microservice } from './microservice.ts';

/** A change to the rendered pod template of the app's own workload, whatever object owns the pods. */
export type PodChange = (template: PodTemplateJson) => void;

/** Where a feature builds for one app in one environment. */
export interface FeatureScope {
  /** The app's chart: its namespace and labels go on every object added under it. */
  readonly chart: Chart;
  /** The app's base objects and pod, already built. */
  readonly service: Microservice;
  /** The app, resolved for the environment. */
  readonly app: ResolvedApp;
}

/** One concern's contribution to every app. */
export interface Feature {
  /** Short name, for messages and docs: `workload`, `rollout`, `observability`, `logging`. */
  readonly name: string;
  /**
   * Adds the feature's objects for `scope.app` and returns its change to the app's pod, if it has one.
   * The render applies the changes after synthesis, in the order of the feature list.
   */
  build(scope: FeatureScope): PodChange | undefined;
  /** Policy rules the feature brings; validation runs them over every object with the platform's own rules. */
  readonly rules: readonly Rule[];
}

/** The workload feature: the `Microservice` is built by the render; its pod gets the fields cdk8s-plus cannot write. */
export const workloadFeature: Feature = {
  name: 'workload',
  build:
    ({ app }) =>
    (template) =>
      finishPodTemplate(app, template),
  rules: [],
};

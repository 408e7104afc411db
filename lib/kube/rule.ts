/**
 * The shape of a policy rule, shared by the rules of every folder and by
 * `checkPolicy`, which runs them.
 */
import type { KubeObject, RenderedFile } from './object.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';

/** What a rule found wrong with one object. */
export interface Finding {
  readonly message: string;
  readonly fix: string;
}

/** A policy rule. */
export interface Rule {
  /** Stable id, e.g. `run-as-non-root`. */
  readonly id: string;
  /** One line on what the rule demands. */
  readonly description: string;
  /** Whether an object may opt out with annotation `policy.platform.insure.example/<id>: <reason>`. */
  readonly exceptable: boolean;
  /** Findings on `object` rendered for `env`; `file` holds every object of the same manifest file. */
  check(object: KubeObject, env: EnvironmentSpec, file?: readonly KubeObject[], context?: RuleContext): Finding[];
  /** Findings that need every environment at once (two waves of one release); run once per validation. */
  checkAcross?(files: readonly RenderedFile[], environments: ReadonlyMap<string, EnvironmentSpec>): AcrossFinding[];
}

/** A pod template as the rules read it. */
export interface PodTemplateView {
  readonly labels: Record<string, string>;
  readonly spec: Record<string, unknown>;
  /** Every container of the pod (init, regular, ephemeral) that is an object. */
  readonly containers: Record<string, unknown>[];
}

/** A pod template of a manifest file, with the object that holds it. */
export interface FilePod extends PodTemplateView {
  readonly object: KubeObject;
}

/**
 * Where the checked object comes from, and what the rules read of it, read once
 * for all of them. A rule given no `pod` (a test, or an object whose pod could not
 * be read) reads the object itself.
 */
export interface RuleContext {
  /** Whether it is a platform object (`manifests/<env>/platform/`), not an app's. */
  readonly platform?: boolean;
  /** The pod template of the checked object; present and `undefined` for an object that runs no pods. */
  readonly pod?: PodTemplateView | undefined;
  /** The pod templates of the objects of the checked object's file, read on first call. */
  readonly filePods?: () => readonly FilePod[];
}

/** What a cross-environment rule found, and where. */
export interface AcrossFinding extends Finding {
  /** File under `manifests/`. */
  readonly file: string;
  /** `apiVersion/kind/namespace/name` of the object at fault. */
  readonly object: string;
}

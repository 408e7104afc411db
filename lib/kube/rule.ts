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

/** Where the checked object comes from. */
export interface RuleContext {
  /** Whether it is a platform object (`manifests/<env>/platform/`), not an app's. */
  readonly platform?: boolean;
}

/** What a cross-environment rule found, and where. */
export interface AcrossFinding extends Finding {
  /** File under `manifests/`. */
  readonly file: string;
  /** `apiVersion/kind/namespace/name` of the object at fault. */
  readonly object: string;
}

/**
 * The pipeline as typed data: GitHub Actions workflows, the repository they
 * run for, and the code owners. Keys are spelled exactly as GitHub Actions
 * spells them, so the generated YAML is the declaration, serialised.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
 */
import type { EnvironmentSpec } from '../spec/environment.ts';

/** Access of the job's `GITHUB_TOKEN` to one scope. */
export type Access = 'read' | 'write' | 'none';

/** `GITHUB_TOKEN` scopes the pipeline uses; anything unlisted is `none`. */
export interface Permissions {
  readonly contents?: Access;
  readonly 'pull-requests'?: Access;
  readonly issues?: Access;
  readonly statuses?: Access;
  readonly checks?: Access;
  /** Publishing to GitHub Pages. */
  readonly pages?: Access;
  /** Requesting an OIDC token (GitHub Pages deployments prove their origin with one). */
  readonly 'id-token'?: Access;
}

/** One step of a job: an action (`uses`) or a shell script (`run`). */
export interface Step {
  readonly name: string;
  readonly id?: string;
  readonly if?: string;
  /** `owner/repo@<40-hex commit>`; use the helpers in `steps.ts`, which pin by SHA. */
  readonly uses?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  /** Bash script. Never embeds `${{ }}`: pass context values through `env`. */
  readonly run?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** One job. */
export interface Job {
  /** Name shown in the checks list; required status checks refer to it. */
  readonly name: string;
  readonly 'runs-on': string;
  /** Scopes of this job's token; every job declares its own. */
  readonly permissions: Permissions;
  readonly 'timeout-minutes': number;
  readonly needs?: readonly string[];
  readonly if?: string;
  /**
   * Deployment environment the job deploys to (its protection rules apply).
   * @default - none
   */
  readonly environment?: { readonly name: string; readonly url?: string };
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

/** An input of a reusable or manually dispatched workflow. */
export interface WorkflowInput {
  readonly description: string;
  readonly required: boolean;
  readonly type: 'string' | 'boolean' | 'number';
  readonly default?: string | boolean | number;
}

/**
 * Events that start a workflow. `pull_request` and `pull_request_review` run the pull request's own
 * workflow files and code: their jobs hold no secrets and no write scope. `pull_request_target` and
 * `workflow_run` run the base branch's files with secrets: their jobs never check out or run the
 * pull request's code (the workflow rules in `generate.ts` enforce both).
 */
export interface Triggers {
  readonly pull_request?: { readonly branches?: readonly string[]; readonly types?: readonly string[] };
  readonly pull_request_target?: { readonly branches?: readonly string[]; readonly types?: readonly string[] };
  readonly pull_request_review?: { readonly types: readonly string[] };
  readonly workflow_run?: { readonly workflows: readonly string[]; readonly types: readonly string[] };
  readonly push?: { readonly branches: readonly string[] };
  /** Times to run at (cron, UTC). */
  readonly schedule?: readonly { readonly cron: string }[];
  readonly workflow_dispatch?: { readonly inputs?: Readonly<Record<string, WorkflowInput>> };
  readonly workflow_call?: {
    readonly inputs?: Readonly<Record<string, WorkflowInput>>;
    readonly secrets?: Readonly<Record<string, { readonly description: string; readonly required: boolean }>>;
  };
}

/** One workflow file. */
export interface Workflow {
  /** File name under `.github/workflows/` (`pull-request.yml`). */
  readonly file: string;
  readonly name: string;
  /** What the workflow is for; written in the generated file's header. */
  readonly description: string;
  readonly on: Triggers;
  /** Token scopes of the workflow; `{}` so that each job grants only what it needs. */
  readonly permissions: Permissions;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly jobs: Readonly<Record<string, Job>>;
}

/** The repository the pipeline runs for. */
export interface Repository {
  /** `owner/name` on GitHub. */
  readonly slug: string;
  /** Git URL the clusters' Argo CD clones (placeholder hosts under `.example`). */
  readonly url: string;
  /** Branch whose head is released. */
  readonly branch: string;
}

/** The whole pipeline. */
export interface Pipeline {
  readonly repository: Repository;
  /** Owners of everything no environment owns (`lib/`, `pipelines/`, `.github/`): GitHub team handles. */
  readonly platformOwners: readonly string[];
  readonly workflows: readonly Workflow[];
}

/** What the declaration is given: the environments, in promotion order. */
export interface PipelineContext {
  readonly environments: readonly EnvironmentSpec[];
  /** The environment fed by application builds (the one promoted from nowhere). */
  readonly buildEnvironment: EnvironmentSpec;
}

/** A pipeline declaration: a function of the environments. */
export type PipelineDeclaration = (context: PipelineContext) => Pipeline;

/** Declares the pipeline (in `pipelines/pipeline.ts`). Returns the declaration unchanged. */
export function definePipeline(declaration: PipelineDeclaration): PipelineDeclaration {
  return declaration;
}

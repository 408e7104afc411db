/**
 * One batch of renders in the current thread: each app × environment rendered,
 * then checked against the schemas and the per-object policy. The worker
 * threads run this module; the main thread runs it too.
 */
import type { ResolvedApp } from '../spec/resolve.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { validateFiles, type Violation } from '../validate/validate.ts';
import { renderAppFile, type PhaseTimings, type RenderedFile } from './render.ts';
import { objectId } from './order.ts';
import type { KubeObject } from './yaml.ts';
import { hashText } from './cache.ts';
import { planSkeleton } from '../rollout/plan.ts';

/** One app × environment, rendered and checked. Plain data: it crosses threads and is cached on disk. */
export interface RenderedAppFile {
  readonly path: string;
  readonly env: string;
  readonly content: string;
  /** SHA-1 of `content`, hex. */
  readonly hash: string;
  readonly objectCount: number;
  /** `apiVersion/kind/namespace/name` of every object, for the duplicate check across files. */
  readonly ids: readonly string[];
  /** Violations of the per-object rules (schema and policy). */
  readonly violations: readonly Violation[];
  /** What the rules that compare environments read (e.g. the same strategy in prod and dr): `planSkeleton` of the objects. */
  readonly crossObjects: readonly KubeObject[];
}

/** A batch sent to a worker. */
export interface BatchRequest {
  readonly id: number;
  readonly apps: readonly ResolvedApp[];
  /** Environments compared with another by the cross-environment rules; `undefined` for all. */
  readonly cross?: readonly string[];
}

/** Renders and validates a batch in the current thread. */
export function renderBatch(apps: readonly ResolvedApp[], timings?: PhaseTimings, cross?: ReadonlySet<string>): RenderedAppFile[] {
  return apps.map((app) => {
    let file: RenderedFile;
    try {
      file = renderAppFile(app, timings);
    } catch (error) {
      // A spec that passed its checks but breaks the render is a platform defect; say where it showed.
      throw new Error(`rendering ${app.sourceFile} for ${app.environment.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const environments = new Map<string, EnvironmentSpec>([[app.environment.name, app.environment]]);
    const t0 = performance.now();
    const violations = validateFiles([file], environments, { across: false });
    if (timings) timings.validate += performance.now() - t0;
    return {
      path: file.path,
      env: file.env,
      content: file.content,
      hash: hashText(file.content),
      objectCount: file.objects.length,
      ids: file.objects.map(objectId),
      violations,
      crossObjects: cross === undefined || cross.has(app.environment.name) ? (planSkeleton(file.objects) as KubeObject[]) : [],
    };
  });
}

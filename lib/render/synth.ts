/**
 * `synth`: specs → validated manifests, written atomically or checked for staleness.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, type Project } from '../spec/project.ts';
import { formatViolations, validateFiles, type Violation } from '../validate/validate.ts';
import { diffOutput, writeOutput, type OutputDiff } from './output.ts';
import { renderProject, type RenderedFile } from './render.ts';

/** Folder of the rendered output, relative to the repository root. */
export const MANIFESTS_DIR = 'manifests';

/** Thrown when rendered objects break a schema or policy rule; nothing is written. */
export class ValidationError extends Error {
  constructor(public readonly violations: readonly Violation[]) {
    super(`${violations.length} violation(s) in the rendered manifests; nothing was written:\n${formatViolations(violations)}`);
    this.name = 'ValidationError';
  }
}

/** The platform version stamped on platform objects: the repository's package version. */
export function platformVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Renders and validates everything in memory. Throws `SpecError` or `ValidationError`. */
export async function renderAndValidate(root: string): Promise<{ project: Project; files: RenderedFile[] }> {
  const project = await loadProject(root);
  const files = renderProject(project, platformVersion(root));
  const environments = new Map(project.environments.map((e) => [e.spec.name as string, e.spec]));
  const violations = validateFiles(files, environments);
  if (violations.length > 0) throw new ValidationError(violations);
  return { project, files };
}

/** Result of a synth run. */
export interface SynthResult {
  readonly files: number;
  readonly objects: number;
  readonly diff: OutputDiff;
}

/** Renders, validates and writes `manifests/` (or, with `check`, only compares). */
export async function synth(root: string, options: { check?: boolean } = {}): Promise<SynthResult> {
  const { files } = await renderAndValidate(root);
  const dir = join(root, MANIFESTS_DIR);
  const diff = options.check ? diffOutput(dir, files) : writeOutput(dir, files);
  return { files: files.length, objects: files.reduce((n, f) => n + f.objects.length, 0), diff };
}

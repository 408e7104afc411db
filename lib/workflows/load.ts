/**
 * Loading the pipeline declaration (`pipelines/pipeline.ts`) and applying it
 * to the environments.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { importTypeScript } from '../util/import-ts.ts';
import type { Pipeline, PipelineDeclaration } from './workflow.ts';

/** The declaration, relative to the repository root. */
export const PIPELINE_FILE = 'pipelines/pipeline.ts';

/** Loads `pipelines/pipeline.ts` under `root` and applies it to the environments (in promotion order). */
export async function loadPipeline(root: string, environments: readonly EnvironmentSpec[]): Promise<Pipeline> {
  const file = join(root, PIPELINE_FILE);
  if (!existsSync(file))
    throw new Error(`${PIPELINE_FILE} is missing; declare the pipeline there with definePipeline()`);
  const mod = (await importTypeScript(pathToFileURL(file).href)) as { default?: PipelineDeclaration };
  if (typeof mod.default !== 'function')
    throw new Error(
      `${PIPELINE_FILE} has no default export; end it with export default definePipeline((context) => ({ ... }))`,
    );
  const buildEnvironment = environments.find((e) => e.promotion.from === undefined);
  if (!buildEnvironment) throw new Error('no environment is fed by builds (every environment has promotion.from)');
  return mod.default({ environments, buildEnvironment });
}

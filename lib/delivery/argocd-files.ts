/**
 * `npm run argocd`: the Argo CD objects of every environment, rendered into
 * `delivery/argocd/<env>.yaml` and validated against the Argo CD schemas
 * (`@kubernetes-models/argo-cd`).
 *
 * They live outside `manifests/`: `validate` and `synth` treat each folder
 * there as an environment and its objects as what the environment's Argo CD
 * applies, while these objects are what tells Argo CD to apply it. The
 * bootstrap (`delivery/pulumi/`) creates the same objects from the same
 * function; the committed files are their reviewable form.
 */
import { AppProject, Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { join } from 'node:path';
import { loadPipeline } from '../pipeline/load.ts';
import { MANIFESTS_DIR } from '../render/synth.ts';
import { INDEX_FILE } from '../render/render.ts';
import { objectId } from '../render/order.ts';
import { toYaml, type KubeObject } from '../render/yaml.ts';
import { loadEnvironmentsOnly } from '../spec/project.ts';
import { readManifests } from '../validate/validate.ts';
import { environmentDelivery, type KindProblem } from './argocd.ts';
import { generatedMarker, type GeneratedFile, type OwnedFolder } from './generated.ts';

/** The command that renders the Argo CD objects. */
export const ARGOCD_COMMAND = 'argocd';
/** Folder of the rendered Argo CD objects. */
export const ARGOCD_DIR = 'delivery/argocd';
/** Folders whose marked files `npm run argocd` owns. */
export const ARGOCD_FOLDERS: readonly OwnedFolder[] = [{ dir: ARGOCD_DIR, ext: '.yaml' }];

/** Thrown when the Argo CD objects cannot be rendered valid; nothing is written. */
export class ArgoCdError extends Error {
  constructor(public readonly problems: readonly KindProblem[]) {
    super(`${problems.length} problem(s) in the Argo CD objects; nothing was written:\n${problems.map((p) => `  - ${p.file} ${p.object}: ${p.message}. Fix: ${p.fix}`).join('\n')}`);
    this.name = 'ArgoCdError';
  }
}

const models = new Map<string, new (data: never) => { validate(): void }>([
  ['argoproj.io/v1alpha1/AppProject', AppProject as never],
  ['argoproj.io/v1alpha1/Application', Application as never],
]);

/** Schema errors of one Argo CD object (`[]` when valid). */
export function argoSchemaErrors(object: KubeObject): string[] {
  const model = models.get(`${object.apiVersion}/${object.kind}`);
  if (!model) return [`no Argo CD schema for ${object.apiVersion}/${object.kind}`];
  try {
    new model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    return errors ? errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`) : [(error as Error).message];
  }
}

/** Renders and validates the Argo CD objects of every environment. Throws `ArgoCdError` listing every problem. */
export async function argocdFiles(root: string): Promise<GeneratedFile[]> {
  const environments = (await loadEnvironmentsOnly(root)).map((e) => e.spec);
  const { repository } = await loadPipeline(root, environments);
  const manifests = readManifests(join(root, MANIFESTS_DIR)).filter((f) => !f.path.endsWith(`/${INDEX_FILE}`));
  const problems: KindProblem[] = [];
  const files: GeneratedFile[] = [];
  for (const env of environments) {
    const path = `${ARGOCD_DIR}/${env.name}.yaml`;
    const delivery = environmentDelivery(env, manifests.filter((f) => f.env === env.name), { url: repository.url, branch: repository.branch });
    problems.push(...delivery.problems);
    for (const o of delivery.objects) {
      for (const message of argoSchemaErrors(o)) problems.push({ file: path, object: objectId(o), message, fix: 'correct lib/delivery/argocd.ts' });
    }
    const header = `This file is ${generatedMarker(ARGOCD_COMMAND)} from environments/${env.name}/environment.ts and manifests/${env.name}/ — edit those instead.`;
    files.push({ path, content: toYaml(delivery.objects, header) });
  }
  if (problems.length > 0) throw new ArgoCdError(problems);
  return files;
}

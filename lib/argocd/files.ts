/**
 * `npm run argocd`: the Argo CD objects of every environment, rendered into
 * `delivery/argocd/`, validated against the Argo CD schemas
 * (`@kubernetes-models/argo-cd`) and against Argo CD's admission rules
 * replayed on the manifests they select (`admission.ts`):
 *
 * ```
 * delivery/argocd/<env>/project.yaml       AppProject <env> (sync windows)
 * delivery/argocd/<env>/platform.yaml      Application <env>-platform
 * delivery/argocd/<env>/apps/<app>.yaml    Application <env>-<app>
 * delivery/argocd/bootstrap/<env>.yaml     root AppProject and Application (created by the bootstrap)
 * ```
 *
 * They live outside `manifests/`: `validate` and `synth` treat each folder
 * there as an environment and its objects as what the environment's Argo CD
 * applies, while these objects are what tells Argo CD to apply it.
 */
import { AppProject, Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipeline } from '../workflows/load.ts';
import { MANIFESTS_DIR } from '../render/synth.ts';
import { INDEX_FILE } from '../kube/layout.ts';
import { objectId } from '../kube/order.ts';
import { toYaml } from '../render/yaml.ts';
import type { KubeObject } from '../kube/object.ts';
import { loadEnvironmentsOnly } from '../spec/project.ts';
import { cmp } from '../util/compare.ts';
import { readManifests } from '../validate/validate.ts';
import { checkAdmission, type AdmissionViolation, type RepositoryView } from './admission.ts';
import {
  ARGOCD_DIR,
  ARGOCD_NAMESPACE,
  BOOTSTRAP_FOLDER,
  environmentDelivery,
  type DeliveryFile,
} from './applications.ts';
import { generatedMarker, type GeneratedFile, type OwnedFolder } from '../util/generated.ts';

export { ARGOCD_DIR };

/** The command that renders the Argo CD objects. */
export const ARGOCD_COMMAND = 'argocd';
/** Rule id of a schema error (the admission rules have their own ids). */
export const SCHEMA_RULE = 'schema';

/** One problem found in the Argo CD objects: an admission rule broken, or a schema error. */
export type ArgoCdProblem = AdmissionViolation;

/** Thrown when the Argo CD objects cannot be rendered valid; nothing is written. */
export class ArgoCdError extends Error {
  constructor(public readonly problems: readonly ArgoCdProblem[]) {
    const lines = problems.map((p) => `  - [${p.rule}] ${p.file} ${p.object}: ${p.message}. Fix: ${p.fix}`);
    super(`${problems.length} problem(s) in the Argo CD objects; nothing was written:\n${lines.join('\n')}`);
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
    return errors
      ? errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      : [(error as Error).message];
  }
}

/** Folders whose marked files `npm run argocd` owns, for the given environments. */
export function argocdFolders(envs: readonly string[]): OwnedFolder[] {
  return [
    { dir: ARGOCD_DIR, ext: '.yaml' },
    { dir: `${ARGOCD_DIR}/${BOOTSTRAP_FOLDER}`, ext: '.yaml' },
    ...envs.flatMap((env) => [
      { dir: `${ARGOCD_DIR}/${env}`, ext: '.yaml' },
      { dir: `${ARGOCD_DIR}/${env}/apps`, ext: '.yaml' },
    ]),
  ];
}

/**
 * The repository as Argo CD would see it once the generated files are
 * committed: `delivery/argocd/` from `generated`, everything else from disk.
 */
export function repositoryView(root: string, generated: readonly GeneratedFile[]): RepositoryView {
  const memory = new Map(generated.map((f) => [f.path, f.content]));
  const inMemory = (path: string): boolean => path === ARGOCD_DIR || path.startsWith(`${ARGOCD_DIR}/`);
  return {
    isDirectory(path) {
      if (inMemory(path)) return [...memory.keys()].some((p) => p.startsWith(`${path}/`));
      const abs = join(root, path);
      return existsSync(abs) && statSync(abs).isDirectory();
    },
    list(path) {
      if (inMemory(path)) {
        const files = new Set<string>();
        const dirs = new Set<string>();
        for (const p of memory.keys()) {
          if (!p.startsWith(`${path}/`)) continue;
          const [head, ...rest] = p.slice(path.length + 1).split('/');
          (rest.length === 0 ? files : dirs).add(head!);
        }
        return { files: [...files].sort(cmp), dirs: [...dirs].sort(cmp) };
      }
      const entries = readdirSync(join(root, path), { withFileTypes: true });
      return {
        files: entries
          .filter((e) => e.isFile())
          .map((e) => e.name)
          .sort(cmp),
        dirs: entries
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort(cmp),
      };
    },
    read(path) {
      if (inMemory(path)) return memory.get(path) ?? '';
      return readFileSync(join(root, path), 'utf8');
    },
  };
}

function render(file: DeliveryFile): GeneratedFile {
  const header = `This file is ${generatedMarker(ARGOCD_COMMAND)} from ${file.from} — edit those instead.`;
  return { path: file.path, content: toYaml(file.objects, header) };
}

/** The rendered Argo CD files and the folders they own. */
export interface ArgoCdOutput {
  readonly files: GeneratedFile[];
  readonly folders: OwnedFolder[];
}

/**
 * Renders the Argo CD objects of every environment, checks them against the
 * schemas and replays Argo CD's admission rules on them. Throws
 * `ArgoCdError` listing every problem, each naming its rule.
 */
export async function argocdOutput(root: string): Promise<ArgoCdOutput> {
  const environments = (await loadEnvironmentsOnly(root)).map((e) => e.spec);
  const { repository } = await loadPipeline(root, environments);
  const manifests = readManifests(join(root, MANIFESTS_DIR)).filter((f) => !f.path.endsWith(`/${INDEX_FILE}`));
  const problems: ArgoCdProblem[] = [];
  const files: GeneratedFile[] = [];
  const clusters: { file: string; object: KubeObject }[][] = [];
  for (const env of environments) {
    const source = { url: repository.url, branch: repository.branch };
    const delivery = environmentDelivery(
      env,
      manifests.filter((f) => f.env === env.name),
      source,
    );
    const cluster: { file: string; object: KubeObject }[] = [];
    for (const file of [...delivery.synced, delivery.bootstrap]) {
      for (const o of file.objects) {
        cluster.push({ file: file.path, object: o });
        for (const message of argoSchemaErrors(o)) {
          problems.push({
            rule: SCHEMA_RULE,
            file: file.path,
            object: objectId(o),
            message,
            fix: 'correct lib/argocd/applications.ts',
          });
        }
      }
      files.push(render(file));
    }
    clusters.push(cluster);
  }
  const view = repositoryView(root, files);
  for (const cluster of clusters)
    problems.push(...checkAdmission({ objects: cluster, argocdNamespace: ARGOCD_NAMESPACE }, view));
  if (problems.length > 0) throw new ArgoCdError(problems);
  return { files: files.sort((a, b) => cmp(a.path, b.path)), folders: argocdFolders(environments.map((e) => e.name)) };
}

/**
 * Kubernetes objects and manifest files as plain data: what the features build,
 * the render writes and validation, release orders and delivery read.
 */

/** A Kubernetes object as plain data. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** Whether `o`, read from YAML, has what every object has: `apiVersion`, `kind` and a `metadata.name`. */
export function isKubeObject(o: unknown): o is KubeObject {
  if (!o || typeof o !== 'object') return false;
  const k = o as KubeObject;
  return typeof k.apiVersion === 'string' && typeof k.kind === 'string' && typeof k.metadata?.name === 'string';
}

/** One rendered file, relative to `manifests/`. */
export interface RenderedFile {
  /** `prod/apps/claims-api.yaml`. */
  readonly path: string;
  /** Environment the file belongs to. */
  readonly env: string;
  /** Objects in the file, in file order (empty for the index). */
  readonly objects: readonly KubeObject[];
  /** The file's bytes. */
  readonly content: string;
}

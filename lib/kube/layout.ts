/**
 * Where rendered output lives, shared by the writer (`render/`), validation
 * and the readers of git history (`release/`), which must not load the constructs.
 */

/** Name of the per-environment index that lists every applied file (`manifests/<env>/kustomization.yaml`). */
export const INDEX_FILE = 'kustomization.yaml';

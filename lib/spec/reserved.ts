/**
 * Names and paths the platform reserves, which app and environment specs may not
 * use for their own ends. The checks of the specs read them here; the features
 * that own them (logging, observability) build on the same values.
 */

/** Namespace of the cluster's log and event agents. Pod Security "privileged": the node agents read host paths. */
export const LOGGING_NAMESPACE = 'logging';
/** Namespaces apps may not run in: their Pod Security level admits host access. */
export const PLATFORM_NAMESPACES: readonly string[] = [LOGGING_NAMESPACE];
/** Folder the heap dump volume is mounted at in the app container. */
export const HEAP_DUMP_DIR = '/heapdumps';
/** Tags that move: never allowed where images must be reproducible. */
export const MUTABLE_TAGS = new Set([
  'latest',
  'main',
  'master',
  'develop',
  'dev',
  'stable',
  'edge',
  'nightly',
  'snapshot',
]);

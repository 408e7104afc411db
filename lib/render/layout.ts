/**
 * Where rendered output lives, for the readers that import it from the render;
 * it is defined in `lib/kube/layout.ts`.
 */
export { INDEX_FILE } from '../kube/layout.ts';

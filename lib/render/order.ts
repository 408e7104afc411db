/**
 * The document order of manifest files, for the readers that import it from
 * the render; it is defined with the object types in `lib/kube/order.ts`.
 */
export { KIND_ORDER, compareObjects, objectId } from '../kube/order.ts';

/**
 * Byte-order string comparison: locale-independent, so sorted output never
 * depends on the machine that rendered it.
 */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

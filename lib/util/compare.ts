/**
 * Byte-order string comparison: locale-independent, so sorted output never
 * depends on the machine that rendered it.
 */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `keys` are already in the order `cmp` (and the default sort) puts them in: cheaper to check than to sort. */
export function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

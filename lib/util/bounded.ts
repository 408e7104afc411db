/**
 * Sets `key` to `value` in `map`, dropping the oldest entry first when the map
 * already holds `max`: a memo that keeps the newest entries (a Map keeps
 * insertion order).
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

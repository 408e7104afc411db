/**
 * Values pasted into printed shell commands. Whatever a value holds (a cluster
 * name from environment data, an image reference), the printed line passes it
 * as one word and runs nothing of it.
 */

/** `value` as one POSIX shell word: bare when it holds only safe characters, else single-quoted. */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

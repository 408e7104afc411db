/** Plain data: what a JSON document, or an object literal, is made of. */

/**
 * Whether `value` is a plain record: an object literal, or an object without a prototype (not a class instance, not an
 * array).
 */
export function isPlainRecord(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !Array.isArray(value);
}

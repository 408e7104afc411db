/**
 * The render cache, for the readers that import it from the render; it is
 * defined in `lib/util/cache.ts`, below the spec loader that also uses it.
 */
export { CACHE_DIR, KeyedCache, codeHash, hashText } from '../util/cache.ts';

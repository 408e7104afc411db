/**
 * Importing a TypeScript file of the repository (an environment, the pipeline
 * declaration) whether or not this process runs under a TypeScript loader.
 * The platform build runs without one; it then brings in the `tsx` loader for
 * that file alone.
 */
export async function importTypeScript(url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url, import.meta.url);
}

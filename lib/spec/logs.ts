/**
 * Defaults of the `logs` field, resolved once per app.
 */
import type { AppSpec, MultilineMode } from './app.ts';

/** The `logs` field with every default applied. */
export interface ResolvedLogs {
  /** Absolute directory, without a trailing slash. */
  readonly dir: string;
  /** Glob patterns relative to `dir`. */
  readonly include: readonly string[];
  readonly multiline?: MultilineMode;
  /** Size bound of the directory's volume. */
  readonly sizeLimit: string;
}

/** Files collected when `include` is not set. */
export const DEFAULT_INCLUDE: readonly string[] = ['*.log'];
/** Size bound of a log directory when `sizeLimit` is not set. */
export const DEFAULT_LOG_SIZE_LIMIT = '1Gi';

/** Resolves `app.logs`; `undefined` for an app that logs only to stdout. */
export function resolveLogs(app: AppSpec): ResolvedLogs | undefined {
  if (!app.logs) return undefined;
  return {
    dir: app.logs.dir.length > 1 ? app.logs.dir.replace(/\/+$/, '') : app.logs.dir,
    include: app.logs.include ?? DEFAULT_INCLUDE,
    multiline: app.logs.multiline,
    sizeLimit: app.logs.sizeLimit ?? DEFAULT_LOG_SIZE_LIMIT,
  };
}

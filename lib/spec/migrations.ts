/**
 * The app spec schema is a compatibility contract: an environment runs the spec text pinned for it,
 * which may be months older than the spec module that loads it. A change that would refuse an older
 * form registers a migration here instead: the older form keeps loading, upgraded to today's, with a
 * deprecation warning naming the file and the new form.
 */

/** One accepted older form of the app spec. */
export interface AppMigration {
  /** Stable id, part of the warning's code (`PLATFORM_SPEC_<ID>`). */
  readonly id: string;
  /** What changed and how to write it now. */
  readonly message: string;
  /** Whether `raw` (a spec's default export, not yet checked) is in the older form. */
  readonly applies: (raw: Readonly<Record<string, unknown>>) => boolean;
  /** The same spec in today's form. */
  readonly upgrade: (raw: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/** The older forms accepted today, oldest first. */
export const APP_MIGRATIONS: readonly AppMigration[] = [];

/**
 * `raw` upgraded through every migration that applies to it, each announced once per file with a
 * `DeprecationWarning`; anything that is not an object is returned as it is, for the shape check.
 */
export function upgradeApp(raw: unknown, file: string, migrations: readonly AppMigration[] = APP_MIGRATIONS): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  let spec = raw as Record<string, unknown>;
  for (const migration of migrations) {
    if (!migration.applies(spec)) continue;
    spec = migration.upgrade(spec);
    process.emitWarning(`${file}: ${migration.message}`, {
      type: 'DeprecationWarning',
      code: `PLATFORM_SPEC_${migration.id.toUpperCase().replaceAll('-', '_')}`,
    });
  }
  return spec;
}

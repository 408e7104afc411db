import { describe, expect, it } from 'vitest';
import { APP_MIGRATIONS, upgradeApp, type AppMigration } from '../../lib/spec/migrations.ts';
import { ProblemSink } from '../../lib/spec/problems.ts';
import { appSchema, checkShape } from '../../lib/spec/schema.ts';

/** An example of a breaking change: `replicaCount`, an older name of `replicas`. */
const RENAMED: AppMigration = {
  id: 'replica-count',
  message: "'replicaCount' is now 'replicas'; write replicas: <n>",
  applies: (raw) => 'replicaCount' in raw,
  upgrade: ({ replicaCount, ...rest }) => ({ ...rest, replicas: replicaCount }),
};

const OLD = {
  name: 'claims-api',
  team: 'claims',
  image: 'registry.insure.example/claims/claims-api',
  replicaCount: 3,
};

/** The deprecation warnings emitted while `run` runs. */
async function warningsOf(run: () => void): Promise<Error[]> {
  const seen: Error[] = [];
  const listen = (w: Error): void => void seen.push(w);
  process.on('warning', listen);
  try {
    run();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listen);
  }
  return seen;
}

describe('migrations of the app spec', () => {
  it('are none today: every spec this repository ever pinned loads as it is (test/spec/compat.e2e.test.ts)', () => {
    expect(APP_MIGRATIONS).toEqual([]);
  });

  it('upgrade an older form to one the schema accepts, with a deprecation warning naming the file', async () => {
    const sink = new ProblemSink();
    expect(checkShape(appSchema, OLD, 'apps/claims-api.ts', sink)).toBeUndefined();
    expect(sink.problems.map((p) => p.field)).toContain('replicaCount');

    let upgraded: unknown;
    const warnings = await warningsOf(() => {
      upgraded = upgradeApp(OLD, 'apps/claims-api.ts', [RENAMED]);
    });
    const after = new ProblemSink();
    expect(checkShape(appSchema, upgraded, 'apps/claims-api.ts', after)).toMatchObject({ replicas: 3 });
    expect(after.problems).toEqual([]);
    expect(warnings.map((w) => [w.name, (w as NodeJS.ErrnoException).code, w.message])).toEqual([
      [
        'DeprecationWarning',
        'PLATFORM_SPEC_REPLICA_COUNT',
        "apps/claims-api.ts: 'replicaCount' is now 'replicas'; write replicas: <n>",
      ],
    ]);
  });

  it("leave a spec in today's form, and anything that is no object, as they are", async () => {
    const { replicaCount: _, ...today } = { ...OLD, replicas: 2 };
    const warnings = await warningsOf(() => {
      expect(upgradeApp(today, 'apps/claims-api.ts', [RENAMED])).toBe(today);
      expect(upgradeApp('text', 'apps/x.ts', [RENAMED])).toBe('text');
    });
    expect(warnings).toEqual([]);
  });
});

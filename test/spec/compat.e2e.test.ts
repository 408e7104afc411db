import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { environmentsAt } from '../../lib/release/revision.ts';
import { REPO_ROOT } from '../fixture.ts';

describe('the environment schema as a compatibility contract', () => {
  it("loads the environments of this repository's first commit, with a deprecation warning for the older form", async () => {
    const first = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')[0]!;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const environments = await environmentsAt(REPO_ROOT, first);
      expect(environments.map((e) => e.spec.name)).toEqual(['dev', 'sit', 'uat', 'staging', 'prod', 'dr']);
      const prod = environments.find((e) => e.spec.name === 'prod')!;
      expect(prod.spec.approvals.required).toBe(2);
      expect(prod.spec.images.requireDigest).toBe(true);
    } finally {
      await new Promise((r) => setImmediate(r));
      process.off('warning', onWarning);
    }
    expect(warnings.some((w) => w.startsWith("environments/prod/environment.ts has no 'observability' section"))).toBe(
      true,
    );
  });
});

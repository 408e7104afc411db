import { describe, expect, it } from 'vitest';
import { releaseOrderMarkdown } from '../../lib/release/markdown.ts';
import type { ReleaseOrder } from '../../lib/release/order.ts';
import type { SpecChange } from '../../lib/release/specs.ts';
import type { GuardViolation } from '../../lib/release/guard.ts';

/** A release order with nothing in it but `guard` refusals and `specs`. */
function order(violations: GuardViolation[], specs: SpecChange[]): ReleaseOrder {
  return {
    base: 'b'.repeat(40),
    head: 'c'.repeat(40),
    environments: [],
    changes: [],
    guard: { blocked: violations.length > 0, violations, requests: [] },
    chain: { ok: true, violations: [] },
    pins: [],
    specs,
    sources: { appSpecs: new Map(), environmentFiles: new Map(), pins: new Map(), platform: [] },
    summary: [],
    verified: 'unchecked',
  };
}

const app = (i: number): string => `app-${String(i).padStart(4, '0')}`;

describe('the top of a release order stays one comment, however many pins a pull request moves', () => {
  it('lists 30 refusals and counts the rest by environment and rule', () => {
    const refusals = Array.from(
      { length: 5000 },
      (_, i): GuardViolation => ({
        env: ['sit', 'uat'][i % 2]!,
        rule: 'upstream',
        message: `${app(i)}: does not run in the upstream`,
        objects: [],
        overridable: false,
      }),
    );
    const [text] = releaseOrderMarkdown(order(refusals, []));
    expect(text!.length).toBeLessThan(10_000);
    expect(text).toContain(`**sit** \`upstream\` (cannot be overridden): ${app(0)}: does not run in the upstream`);
    expect(text).toContain(`${app(29)}: does not run`);
    expect(text).not.toContain(`${app(30)}:`);
    expect(text).toContain(
      '> - … and 4970 more (`--format json` lists each): **sit** `upstream` ×2485, **uat** `upstream` ×2485',
    );
  });

  it('shows spec diffs up to its bound, names 20 spec changes and counts the rest', () => {
    const specs = Array.from(
      { length: 1000 },
      (_, i): SpecChange => ({
        app: app(i),
        envs: ['sit'],
        before: 'a'.repeat(40),
        after: 'b'.repeat(40),
        ...(i < 10 ? { diff: `--- apps/${app(i)}.ts\n+++ apps/${app(i)}.ts\n+  replicas: ${i}` } : {}),
      }),
    );
    const [text] = releaseOrderMarkdown(order([], specs));
    expect(text).toContain(
      `<details><summary><b>${app(0)}</b> in sit: <code>aaaaaaaaaaaa</code> → <code>bbbbbbbbbbbb</code></summary>`,
    );
    expect(text).toContain('```diff\n--- apps/app-0009.ts');
    // Past the diffs it computed, an entry names the command that shows it.
    expect(text).toContain(
      `<b>${app(10)}</b> in sit: <code>aaaaaaaaaaaa</code> → <code>bbbbbbbbbbbb</code> (the diff: \`git diff aaaaaaaaaaaa bbbbbbbbbbbb\`)`,
    );
    expect(text).toContain(`<b>${app(19)}</b>`);
    expect(text).not.toContain(`<b>${app(20)}</b>`);
    expect(text).toContain("… and 980 more (each pin's `spec` is in `--format json`, under `pins`)");
  });
});

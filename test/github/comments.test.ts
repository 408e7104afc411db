import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, planComments, releaseOrderComments, splitMarkdown } from '../../lib/github/comments.ts';

/** A release order long enough to need several comments: one section per app with a fenced diff. */
function longOrder(apps: number): string {
  const out = ['# Release order', '', '| environment | changes | risk |', '|---|---|---|', '| prod | 300 | high |', ''];
  for (let i = 0; i < apps; i++) {
    out.push(`## app-${i}`, '', '<details><summary>changes</summary>', '', '```diff');
    for (let j = 0; j < 40; j++) out.push(`- image: registry.insure.example/app-${i}:1.${j}.0 → 1.${j + 1}.0`);
    out.push('```', '', '</details>', '');
  }
  return out.join('\n');
}

describe('release order comments', () => {
  it('keeps a short order in one comment with its marker', () => {
    const [body, ...rest] = releaseOrderComments('# Release order\n\nno changes\n');
    expect(rest).toEqual([]);
    expect(body).toBe('<!-- platform:release-order part=1 -->\n# Release order\n\nno changes\n');
  });

  it('splits an order longer than a comment into numbered parts within the limit, each with balanced fences and details', () => {
    // GIVEN an order of about 300 KB
    const text = longOrder(120);
    expect(text.length).toBeGreaterThan(4 * COMMENT_LIMIT);
    // WHEN it is turned into comments
    const bodies = releaseOrderComments(text);
    // THEN every part fits, says which part it is, and renders on its own
    expect(bodies.length).toBeGreaterThanOrEqual(5);
    bodies.forEach((body, i) => {
      expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
      expect(
        body.startsWith(
          `<!-- platform:release-order part=${i + 1} -->\n**Release order, part ${i + 1} of ${bodies.length}**`,
        ),
      ).toBe(true);
      expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
      expect((body.match(/^<details>/gm) ?? []).length).toBe((body.match(/^<\/details>/gm) ?? []).length);
    });
    // AND no line of the order is lost
    const joined = bodies.join('\n');
    for (const line of text.split('\n').filter((l) => l.startsWith('- image'))) expect(joined).toContain(line);
  });

  it('cuts a single line longer than a whole comment', () => {
    const chunks = splitMarkdown(`intro\n${'x'.repeat(250)}\noutro`, 100);
    expect(chunks.every((c) => c.length <= 100)).toBe(true);
    expect(chunks.join('').replace(/\n/g, '')).toBe(`intro${'x'.repeat(250)}outro`);
  });

  it('edits earlier comments in place, adds missing parts and deletes parts no longer needed', () => {
    const bot = 'github-actions[bot]';
    const existing = [
      { id: 10, body: 'an unrelated review comment', author: 'carol' },
      { id: 11, body: '<!-- platform:release-order part=1 -->\nold one', author: bot },
      { id: 12, body: '<!-- platform:release-order part=2 -->\nsame', author: bot },
      { id: 13, body: '<!-- platform:release-order part=3 -->\nleft over', author: bot },
    ];
    const plan = planComments(existing, [
      '<!-- platform:release-order part=1 -->\nnew one',
      '<!-- platform:release-order part=2 -->\nsame',
    ]);
    expect(plan).toEqual({
      create: [],
      update: [{ id: 11, body: '<!-- platform:release-order part=1 -->\nnew one' }],
      remove: [13],
      unchanged: 1,
    });
    expect(planComments([], ['a', 'b']).create).toEqual(['a', 'b']);
  });
});

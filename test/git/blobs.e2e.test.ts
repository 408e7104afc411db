import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitError, git, readBlobs } from '../../lib/git/git.ts';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A repository holding `texts` as blobs; returns their ids in order. */
function blobs(texts: readonly string[]): string[] {
  root = mkdtempSync(join(tmpdir(), 'blobs-'));
  git(root, ['init', '-q']);
  return texts.map((text) => git(root!, ['hash-object', '-w', '--stdin'], { input: text }).trim());
}

describe('readBlobs', () => {
  const texts = ['alpha\n', 'β is two bytes\n', '', 'x'.repeat(5000), 'last\n'];

  it('reads every blob in one call, and in several when their sizes pass the batch bound', () => {
    const ids = blobs(texts);
    const expected = new Map(ids.map((id, i) => [id, texts[i]!]));
    expect(readBlobs(root!, ids)).toEqual(expected);
    // A bound smaller than most blobs: one blob per call, and the 5000-byte one alone though it passes the bound.
    expect(readBlobs(root!, [...ids, ids[0]!], 10)).toEqual(expected);
  });

  it('names the object git does not have, reading nothing', () => {
    const ids = blobs(texts);
    const unknown = 'f'.repeat(40);
    expect(() => readBlobs(root!, [ids[0]!, unknown])).toThrow(GitError);
    expect(() => readBlobs(root!, [ids[0]!, unknown])).toThrow(`object ${unknown} is missing from the repository`);
  });
});

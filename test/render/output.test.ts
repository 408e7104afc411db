import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputRecord, diffOutput, writeOutput, type OutputFile } from '../../lib/render/output.ts';
import { hashText } from '../../lib/util/cache.ts';
import { snapshotTree } from '../fixture.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function workspace(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'platform-output-'));
  dirs.push(root);
  return { root, dir: join(root, 'manifests') };
}

const file = (path: string, content: string): OutputFile => ({ path, content, hash: hashText(content) });

describe('writeOutput', () => {
  it('writes only what changed and removes stale files and the folders they leave empty', () => {
    const { root, dir } = workspace();
    writeOutput(dir, [file('dev/apps/a.yaml', 'a\n'), file('dev/apps/b.yaml', 'b\n'), file('uat/apps/a.yaml', 'a\n')]);
    const untouched = statSync(join(dir, 'dev/apps/a.yaml')).ino;
    const diff = writeOutput(dir, [file('dev/apps/a.yaml', 'a\n'), file('dev/apps/b.yaml', 'b2\n')]);
    expect(diff).toEqual({ changed: ['dev/apps/b.yaml'], added: [], removed: ['uat/apps/a.yaml'] });
    expect(snapshotTree(dir)).toEqual({ 'dev/apps/a.yaml': 'a\n', 'dev/apps/b.yaml': 'b2\n' });
    expect(existsSync(join(dir, 'uat'))).toBe(false);
    // The unchanged file is the same file, not a rewrite.
    expect(statSync(join(dir, 'dev/apps/a.yaml')).ino).toBe(untouched);
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  it('replaces a stale file by a folder of the same name', () => {
    const { dir } = workspace();
    writeOutput(dir, [file('dev/a.yaml', 'a\n')]);
    writeOutput(dir, [file('dev/a.yaml/b.yaml', 'b\n')]);
    expect(snapshotTree(dir)).toEqual({ 'dev/a.yaml/b.yaml': 'b\n' });
  });

  it('replaces a folder whose files are all stale by a file of the same name', () => {
    const { dir } = workspace();
    writeOutput(dir, [file('dev/a/b.yaml', 'b\n'), file('dev/a/c/d.yaml', 'd\n')]);
    writeOutput(dir, [file('dev/a', 'a\n')]);
    expect(snapshotTree(dir)).toEqual({ 'dev/a': 'a\n' });
  });

  it('fails before touching anything when one rendered file stands where the folder of another must be', () => {
    const { root, dir } = workspace();
    writeOutput(dir, [file('dev/a/b.yaml', 'b\n')]);
    expect(() => writeOutput(dir, [file('dev/a/b.yaml', 'b\n'), file('dev/a', 'a\n')])).toThrow(
      "manifests: cannot write both dev/a and dev/a/b.yaml: a rendered file stands where another's folder must be",
    );
    expect(snapshotTree(dir)).toEqual({ 'dev/a/b.yaml': 'b\n' });
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  it('clears an empty folder or a link that stands where a file or its folder goes', () => {
    // GIVEN manifests/ holding an empty folder where a file goes and a link where a folder goes
    const { root, dir } = workspace();
    writeOutput(dir, [file('dev/a.yaml', 'a\n')]);
    mkdirSync(join(dir, 'dev', 'b.yaml', 'sub'), { recursive: true });
    symlinkSync(join(root, 'elsewhere'), join(dir, 'dev', 'apps'));
    // WHEN synth writes both THEN they take their places, and a second write finds nothing to do
    const files = [file('dev/a.yaml', 'a\n'), file('dev/b.yaml', 'b\n'), file('dev/apps/c.yaml', 'c\n')];
    writeOutput(dir, files);
    expect(snapshotTree(dir)).toEqual({ 'dev/a.yaml': 'a\n', 'dev/apps/c.yaml': 'c\n', 'dev/b.yaml': 'b\n' });
    expect(writeOutput(dir, files)).toEqual({ changed: [], added: [], removed: [] });
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  it('completes a write that stopped after its journal before the next write; a check only reports it', () => {
    // GIVEN a write that staged its files and wrote its journal, then stopped before moving anything
    const { root, dir } = workspace();
    writeOutput(dir, [file('dev/a.yaml', 'old\n'), file('dev/stale.yaml', 'stale\n')]);
    const staging = join(root, '.manifests.new-1-1');
    mkdirSync(join(staging, 'dev'), { recursive: true });
    writeFileSync(join(staging, 'dev', 'a.yaml'), 'new\n');
    writeFileSync(
      join(root, '.manifests.journal.json'),
      JSON.stringify({ staging, moves: ['dev/a.yaml'], removals: ['dev/stale.yaml'] }),
    );
    // WHEN a check compares, THEN it touches nothing and reports what the write still had to do
    expect(diffOutput(dir, [file('dev/a.yaml', 'new\n')])).toEqual({
      changed: ['dev/a.yaml'],
      added: [],
      removed: ['dev/stale.yaml'],
    });
    expect(snapshotTree(dir)).toEqual({ 'dev/a.yaml': 'old\n', 'dev/stale.yaml': 'stale\n' });
    // WHEN the next write runs
    const diff = writeOutput(dir, [file('dev/a.yaml', 'new\n')]);
    // THEN the write was completed first, and nothing is left of it
    expect(diff).toEqual({ changed: [], added: [], removed: [] });
    expect(snapshotTree(dir)).toEqual({ 'dev/a.yaml': 'new\n' });
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  it('finishes a journal again after a stop part-way, where a new folder already stands on a stale file', () => {
    const { root, dir } = workspace();
    writeOutput(dir, [file('dev/apps', 'was a file\n')]);
    // The stop came after the stale file was removed and the new folder made, before the move.
    const staging = join(root, '.manifests.new-1-1');
    mkdirSync(join(staging, 'dev', 'apps'), { recursive: true });
    writeFileSync(join(staging, 'dev', 'apps', 'a.yaml'), 'a\n');
    rmSync(join(dir, 'dev', 'apps'));
    mkdirSync(join(dir, 'dev', 'apps'));
    writeFileSync(
      join(root, '.manifests.journal.json'),
      JSON.stringify({ staging, moves: ['dev/apps/a.yaml'], removals: ['dev/apps'] }),
    );
    writeOutput(dir, [file('dev/apps/a.yaml', 'a\n')]);
    expect(snapshotTree(dir)).toEqual({ 'dev/apps/a.yaml': 'a\n' });
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  it('drops a journal cut short, and staging folders of writers that no longer run, then writes everything needed', () => {
    const { root, dir } = workspace();
    writeOutput(dir, [file('dev/a.yaml', 'old\n')]);
    writeFileSync(join(root, '.manifests.journal.json'), '');
    // pid 2147483647 runs nowhere.
    mkdirSync(join(root, '.manifests.new-2147483647-1', 'dev'), { recursive: true });
    expect(writeOutput(dir, [file('dev/a.yaml', 'new\n')]).changed).toEqual(['dev/a.yaml']);
    expect(snapshotTree(dir)).toEqual({ 'dev/a.yaml': 'new\n' });
    expect(readdirSync(root)).toEqual(['manifests']);
  });
});

describe('OutputRecord', () => {
  /** A folder holding one file, written with an output record kept beside it; `record()` reads the record afresh. */
  function recordedFile() {
    const { root, dir } = workspace();
    const recordFile = join(root, 'outputs.json');
    const record = () => OutputRecord.open(recordFile);
    const files = [file('dev/a.yaml', 'aaaa\n')];
    writeOutput(dir, files, record());
    return { dir, files, path: join(dir, 'dev/a.yaml'), record, recordFile };
  }

  it('reads a file whose time is within a clock tick of when it was recorded: it may have changed again, unseen', () => {
    const { dir, files, path, record } = recordedFile();
    // A whole-second time of just now (as a coarse clock keeps it), recorded by the next write.
    const now = Math.floor(Date.now() / 1000);
    utimesSync(path, now, now);
    writeOutput(dir, files, record());
    // Other bytes of the same size within the same tick: only reading them tells.
    writeFileSync(path, 'bbbb\n');
    utimesSync(path, now, now);
    expect(diffOutput(dir, files, record()).changed).toEqual(['dev/a.yaml']);
  });

  it('knows a file it recorded by its size and times, and reads any file whose size or times moved', () => {
    const { dir, files, path, record, recordFile } = recordedFile();
    // A time that survives a round trip through utimes; the next write finds the bytes unchanged and renews the entry.
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(writeOutput(dir, files, record()).changed).toEqual([]);
    // Recorded more than a clock tick after its last change: trusted without reading (a file read is recorded afresh).
    const aged = JSON.parse(readFileSync(recordFile, 'utf8'));
    aged['dev/a.yaml'][4] = statSync(path).ctimeMs + 5_000;
    writeFileSync(recordFile, JSON.stringify(aged));
    const trusting = record();
    expect(diffOutput(dir, files, trusting).changed).toEqual([]);
    trusting.update(dir, files, new Set());
    trusting.save();
    expect(JSON.parse(readFileSync(recordFile, 'utf8'))).toEqual(aged);

    // Other bytes of the same size, with the modification time put back (as `cp -p` does): the change time tells.
    writeFileSync(path, 'bbbb\n');
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(diffOutput(dir, files, record()).changed).toEqual(['dev/a.yaml']);
    // An edit that moves the modification time is found too.
    utimesSync(path, 1_700_000_000, 1_700_000_005);
    expect(diffOutput(dir, files, record()).changed).toEqual(['dev/a.yaml']);
  });
});

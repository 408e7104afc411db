import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLock, writeAtomic } from '../../lib/util/fs.ts';
import { tempDir } from '../fixture.ts';

const folder = (): string => tempDir('platform-fs-');

describe('writeAtomic', () => {
  it('writes the file and its folders, leaving no temporary file', () => {
    const dir = folder();
    writeAtomic(join(dir, 'a', 'b.json'), '{}');
    writeAtomic(join(dir, 'a', 'b.json'), '{"v":2}');
    expect(readFileSync(join(dir, 'a', 'b.json'), 'utf8')).toBe('{"v":2}');
    expect(readdirSync(join(dir, 'a'))).toEqual(['b.json']);
  });
});

describe('withLock', () => {
  it('holds the lock while the task runs and removes it after, also when the task fails', async () => {
    const dir = join(folder(), 'cache');
    const lock = join(dir, 'x.lock');
    expect(await withLock(lock, 'x', async () => [readFileSync(lock, 'utf8'), readdirSync(dir)])).toEqual([String(process.pid), ['x.lock']]);
    expect(readdirSync(dir)).toEqual([]);
    await expect(withLock(lock, 'x', async () => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    expect(existsSync(lock)).toBe(false);
  });

  it('fails at once, naming the process, while a running process holds the lock', async () => {
    const lock = join(folder(), 'x.lock');
    // The parent of this test process runs for as long as the test does.
    writeFileSync(lock, String(process.ppid));
    let ran = false;
    await expect(
      withLock(lock, 'manifests/', async () => {
        ran = true;
      }),
    ).rejects.toThrow(`manifests/ is in use by process ${process.ppid} (${lock})`);
    expect([ran, readFileSync(lock, 'utf8')]).toEqual([false, String(process.ppid)]);
  });

  it('fails when this same process holds the lock already', async () => {
    const lock = join(folder(), 'x.lock');
    await withLock(lock, 'x', async () => {
      await expect(withLock(lock, 'x', async () => 'inner')).rejects.toThrow(`x is in use by process ${process.pid}`);
    });
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const lock = join(folder(), 'x.lock');
    // pid 2147483647 runs nowhere.
    writeFileSync(lock, '2147483647');
    expect(await withLock(lock, 'x', async () => 'ran')).toBe('ran');
    expect(existsSync(lock)).toBe(false);
  });
});

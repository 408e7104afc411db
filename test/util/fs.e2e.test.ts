import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLock, writeAtomic } from '../../lib/util/fs.ts';
import { spawn, spawnSync } from 'node:child_process';
import { processStartTime, isRunning } from '../../lib/util/process.mjs';
import { REPO_ROOT, tempDir } from '../fixture.ts';

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
    const [text, files] = await withLock(lock, 'x', async () => [readFileSync(lock, 'utf8'), readdirSync(dir)]);
    expect(text).toBe(`${process.pid} ${processStartTime(process.pid)}`);
    expect(files).toEqual(['x.lock']);
    expect(readdirSync(dir)).toEqual([]);
    await expect(withLock(lock, 'x', async () => Promise.reject(new Error('task failed')))).rejects.toThrow(
      'task failed',
    );
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

  it('takes over a lock whose process is a zombie (ended, not reaped)', async () => {
    const lock = join(folder(), 'x.lock');
    // The shell starts `sleep 0`, then becomes `sleep 5`, which never reaps it: a zombie for 5 s.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(
        await new Promise<string>((done) => parent.stdout.once('data', (d: Buffer) => done(d.toString()))),
      );
      await expect
        .poll(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0], { timeout: 3000 })
        .toBe('Z');
      expect(isRunning(zombie)).toBe(false);
      writeFileSync(lock, String(zombie));
      expect(await withLock(lock, 'x', async () => 'ran')).toBe('ran');
    } finally {
      parent.kill();
    }
  });

  it('takes over a lock whose process id now belongs to a later process (start time differs)', async () => {
    const lock = join(folder(), 'x.lock');
    // The parent of this test runs, but not since the start time recorded in the lock.
    writeFileSync(lock, `${process.ppid} 1`);
    expect(isRunning(process.ppid, '1')).toBe(false);
    expect(await withLock(lock, 'x', async () => 'ran')).toBe('ran');
    writeFileSync(lock, `${process.ppid} ${processStartTime(process.ppid)}`);
    await expect(withLock(lock, 'x', async () => 'ran')).rejects.toThrow(`is in use by process ${process.ppid}`);
  });

  it('lets exactly one of many processes racing for a stale lock take it', { timeout: 120_000 }, () => {
    const dir = folder();
    const lock = join(dir, 'x.lock');
    const log = join(dir, 'log');
    const script = join(dir, 'race.ts');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { withLock } from ${JSON.stringify(join(REPO_ROOT, 'lib/util/fs.ts'))};
const at = Number(process.argv[2]);
while (Date.now() < at) {}
withLock(${JSON.stringify(lock)}, 'x', async () => {
  appendFileSync(${JSON.stringify(log)}, 'in\\n');
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync(${JSON.stringify(log)}, 'out\\n');
}).catch((error) => {
  if (!String(error).includes('is in use')) process.exitCode = 1;
});
`,
    );
    for (let round = 0; round < 3; round++) {
      writeFileSync(lock, '2147483647');
      writeFileSync(log, '');
      // Every racer spins until the same instant, then all of them find the same stale lock.
      const at = Date.now() + 4000;
      const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
      const command = `pids=; for i in 1 2 3 4 5 6; do ${tsx} ${script} ${at} & pids="$pids $!"; done; for p in $pids; do wait $p || exit 1; done`;
      const runs = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
      expect(runs.status, runs.stderr).toBe(0);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      // A racer that starts late may take the lock after the winner let it go; two may never hold it at once.
      expect(lines.length, `round ${round}`).toBeGreaterThanOrEqual(2);
      expect(lines.join(' '), `round ${round}`).toMatch(/^in out( in out)*$/);
    }
  });
});

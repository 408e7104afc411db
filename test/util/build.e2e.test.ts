import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
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
import { pathToFileURL } from 'node:url';
import { onTestFinished } from 'vitest';
import { BUILD_DIR, ENTRIES, codeHash, platformBuild, platformEntry } from '../../lib/util/build.mjs';
import { REPO_ROOT } from '../fixture.ts';

/** A small platform: one TypeScript module per entry, importing a shared one and a library. */
function platform(): string {
  const root = mkdtempSync(join(tmpdir(), 'platform-build-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(root, 'lib', 'util'), { recursive: true });
  writeFileSync(
    join(root, 'lib', 'util', 'where.ts'),
    "import { stringify } from 'yaml';\nexport const where: string = import.meta.url;\nexport const text = (v: unknown): string => stringify(v);\n",
  );
  for (const [name, file] of Object.entries(ENTRIES)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(
      join(root, file),
      `import { where, text } from '${'../'.repeat(file.split('/').length - 2)}util/where.ts';\nexport const entry = '${name}';\nexport const own = import.meta.url;\nexport { where, text };\n`,
    );
  }
  return root;
}

describe('platform build', () => {
  it('compiles every entry with its libraries; modules keep their source location', async () => {
    const root = platform();
    const dir = await platformBuild(root);
    expect(dir).toBe(join(root, BUILD_DIR, codeHash(root).slice(0, 16)));
    for (const name of Object.keys(ENTRIES)) expect(existsSync(join(dir, `${name}.mjs`))).toBe(true);
    const main = (await import(pathToFileURL(join(dir, 'main.mjs')).href)) as {
      entry: string;
      own: string;
      where: string;
      text: (v: unknown) => string;
    };
    expect(main.entry).toBe('main');
    expect(main.own).toBe(pathToFileURL(join(root, ENTRIES.main)).href);
    expect(main.where).toBe(pathToFileURL(join(root, 'lib', 'util', 'where.ts')).href);
    // The library is inside the build, not loaded from node_modules.
    expect(main.text({ a: 1 })).toBe('a: 1\n');
    const code = readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(code).not.toMatch(/from\s*["']yaml["']/);
    expect(code).toContain('function stringify');
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'worker.mjs')).href)}); console.log(m.entry)`,
      ],
      { encoding: 'utf8' },
    );
    expect(result.stdout.trim()).toBe('worker');
  });

  it('reuses a build until the code changes; a build of other code goes once unused for an hour', async () => {
    const root = platform();
    const first = await platformBuild(root);
    const built = statSync(join(first, 'main.mjs')).mtimeMs;
    expect(await platformBuild(root)).toBe(first);
    expect(statSync(join(first, 'main.mjs')).mtimeMs).toBe(built);

    writeFileSync(
      join(root, 'lib', 'util', 'where.ts'),
      "export const where = 'changed';\nexport const text = (v: unknown): string => String(v);\n",
    );
    const second = await platformBuild(root);
    expect(second).not.toBe(first);
    const main = (await import(pathToFileURL(join(second, 'main.mjs')).href)) as { where: string };
    expect(main.where).toBe('changed');
    // Just used: a process may still be running from it.
    expect(existsSync(join(first, 'main.mjs'))).toBe(true);

    const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
    utimesSync(join(first, 'complete'), hourAgo, hourAgo);
    writeFileSync(
      join(root, 'lib', 'util', 'where.ts'),
      "export const where = 'again';\nexport const text = (v: unknown): string => String(v);\n",
    );
    const third = await platformBuild(root);
    expect(readdirSync(join(root, BUILD_DIR)).sort()).toEqual(
      [second, third].map((d) => d.slice(d.lastIndexOf('/') + 1)).sort(),
    );
  });

  it('keeps a build of other code that a running process holds, however long unused', async () => {
    // GIVEN two builds of other code, unused for over an hour, one held by a running process and one by a process that
    // stopped
    const root = platform();
    const held = await platformBuild(root);
    writeFileSync(
      join(root, 'lib', 'util', 'where.ts'),
      "export const where = 'b';\nexport const text = (v: unknown): string => String(v);\n",
    );
    const stopped = await platformBuild(root);
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
    for (const [dir, pid] of [
      [held, process.ppid],
      [stopped, 2147483647],
    ] as const) {
      mkdirSync(join(dir, 'users'));
      writeFileSync(join(dir, 'users', String(pid)), '');
      utimesSync(join(dir, 'complete'), hourAgo, hourAgo);
    }
    // WHEN the code changes again THEN only the build held by a running process stays beside the new one
    writeFileSync(
      join(root, 'lib', 'util', 'where.ts'),
      "export const where = 'c';\nexport const text = (v: unknown): string => String(v);\n",
    );
    const current = await platformBuild(root);
    expect(readdirSync(join(root, BUILD_DIR)).sort()).toEqual(
      [held, current].map((d) => d.slice(d.lastIndexOf('/') + 1)).sort(),
    );
  });

  it("hashes the sources and the compiler settings, not editors' swap files", () => {
    const root = platform();
    const before = codeHash(root);
    writeFileSync(join(root, 'lib', 'util', '.where.ts.swp'), 'swap');
    writeFileSync(join(root, 'lib', 'util', 'where.ts~'), 'backup');
    expect(codeHash(root)).toBe(before);
    writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": { "useDefineForClassFields": false } }\n');
    expect(codeHash(root)).not.toBe(before);
  });

  it('gives the entries of the build a command runs from (PLATFORM_BUILD), not a newer one', async () => {
    const saved = process.env.PLATFORM_BUILD;
    onTestFinished(() => {
      if (saved === undefined) delete process.env.PLATFORM_BUILD;
      else process.env.PLATFORM_BUILD = saved;
    });
    process.env.PLATFORM_BUILD = '/builds/of-the-command';
    expect((await platformEntry('worker'))?.href).toBe(pathToFileURL('/builds/of-the-command/worker.mjs').href);
  });

  it('ignores a build that stopped half-way and removes what dead processes left', async () => {
    const root = platform();
    const dir = join(root, BUILD_DIR, codeHash(root).slice(0, 16));
    // A folder without the completion mark is no build, whatever it holds.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.mjs'), 'throw new Error("half-written");\n');
    // What a process that no longer runs was compiling.
    mkdirSync(join(root, BUILD_DIR, '0000000000000000.tmp-99999999-1'));
    expect(await platformBuild(root)).toBe(dir);
    const main = (await import(pathToFileURL(join(dir, 'main.mjs')).href)) as { entry: string };
    expect(main.entry).toBe('main');
    expect(readdirSync(join(root, BUILD_DIR))).toEqual([codeHash(root).slice(0, 16)]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './fixture.ts';

const TEST_ROOT = join(REPO_ROOT, 'test');

/** Imports that start a process or a server: child processes, sockets, the git wrapper, a browser. */
const OUTSIDE = [/^node:child_process$/, /^node:https?$/, /^node:net$/, /\/git\/git\.ts$/, /^playwright-core/];

/** The TypeScript files of `test/`, relative to it. */
function testFiles(): string[] {
  return readdirSync(TEST_ROOT, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .sort();
}

/** The static import specifiers of a source text, type-only imports left out. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!);
}

/**
 * The import chain by which each file of `test/` reaches a process or a server, through the test
 * helpers it imports; files that reach none are left out.
 */
function outsideRoutes(): Map<string, string[]> {
  const files = testFiles();
  const imports = new Map(files.map((f) => [f, importsOf(readFileSync(join(TEST_ROOT, f), 'utf8'))]));
  const routes = new Map<string, string[]>();
  const visit = (file: string, seen: Set<string>): string[] | undefined => {
    if (routes.has(file)) return routes.get(file);
    for (const spec of imports.get(file) ?? []) {
      if (OUTSIDE.some((p) => p.test(spec))) return [spec];
      if (!spec.startsWith('.')) continue;
      const target = relative(TEST_ROOT, resolve(TEST_ROOT, dirname(file), spec));
      if (!imports.has(target) || seen.has(target)) continue;
      const route = visit(target, new Set([...seen, target]));
      if (route) return [target, ...route];
    }
    return undefined;
  };
  for (const file of files) {
    const route = visit(file, new Set([file]));
    if (route) routes.set(file, route);
  }
  return routes;
}

describe('test projects', () => {
  const routes = outsideRoutes();

  it('finds the processes and servers of end-to-end tests, directly and through the test helpers', () => {
    expect(routes.get('cli/cli.e2e.test.ts')).toEqual(['node:child_process']);
    expect(routes.get('release/order.e2e.test.ts')).toEqual(['release/history.ts', '../../lib/git/git.ts']);
    expect(routes.get('verify/client.e2e.test.ts')).toEqual(['node:http']);
  });

  it('keeps the unit project in-process: a test file that starts a process or a server is named *.e2e.test.ts', () => {
    const unit = [...routes].filter(([file]) => file.endsWith('.test.ts') && !file.endsWith('.e2e.test.ts'));
    expect(unit.map(([file, route]) => `test/${file} → ${route.join(' → ')}`)).toEqual([]);
  });
});

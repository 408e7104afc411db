import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFiles } from '../../lib/spec/bundle.ts';
import { isPureSpec, loadProject } from '../../lib/spec/project.ts';
import { SpecError } from '../../lib/spec/problems.ts';
import { appSource, service, tempRepo } from '../fixture.ts';

describe('loading app files together', () => {
  it('loads files that import only the spec module in one pass, with the spec helpers working', async () => {
    const root = tempRepo({
      apps: { 'claims-api': service('claims-api') },
      rawApps: {
        'quote-api.ts': `import { defineApp, secretRef } from '../lib/spec/index.ts';\nconst port: number = 8080;\nexport default defineApp({ name: 'quote-api', team: 'claims', image: 'registry.insure.example/claims/quote-api', ports: [{ name: 'http', port }], health: { readiness: '/ready' }, env: { DB: secretRef('quote-db', 'password') } });\n`,
      },
    });
    const values = (await loadSpecFiles(root, ['apps/claims-api.ts', 'apps/quote-api.ts'])) as {
      name: string;
      env?: unknown;
    }[];
    expect(values.map((v) => v.name)).toEqual(['claims-api', 'quote-api']);
    expect(values[1]!.env).toEqual({ DB: { secret: 'quote-db', key: 'password' } });
  });

  it('gives the files the spec module loaded here, not a copy compiled with them', async () => {
    const root = tempRepo({
      rawApps: {
        'a.ts': "import * as spec from '../lib/spec/index.ts';\nexport default { spec };\n",
        'b.ts': "import { defineApp } from '../lib/spec/index.ts';\nexport default { defineApp };\n",
      },
    });
    const values = (await loadSpecFiles(root, ['apps/a.ts', 'apps/b.ts'])) as [
      { spec: { defineEnvironment: unknown } },
      { defineApp: unknown },
    ];
    const here = await import('../../lib/spec/index.ts');
    expect(values[0].spec.defineEnvironment).toBe(here.defineEnvironment);
    expect(values[1].defineApp).toBe(here.defineApp);
  });

  it('gives up on the batch when one file is broken; the project load then names that file and loads the others', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    writeFileSync(
      join(root, 'apps', 'quote-api.ts'),
      `import { defineApp } from '../lib/spec/index.ts';\nexport default defineApp({ name: 'quote-api', team: \n`,
    );
    expect(await loadSpecFiles(root, ['apps/claims-api.ts', 'apps/quote-api.ts'])).toBeUndefined();
    const error = await loadProject(root, { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    const problems = (error as SpecError).problems;
    expect(problems.map((p) => p.file)).toEqual(['apps/quote-api.ts']);
    expect(problems[0]!.message).toMatch(/^cannot be loaded: .*line 3:0: ERROR: Unexpected end of file/);
    expect(problems[0]!.fix).toMatch(/^fix the syntax error/);
  });

  it('names what a file throws as it is evaluated, not a syntax error', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    writeFileSync(
      join(root, 'apps', 'quote-api.ts'),
      `import { defineApp } from '../lib/spec/index.ts';\nthrow new Error('no quote sizes yet');\n`,
    );
    const error = (await loadProject(root, { cache: false }).catch((e: unknown) => e)) as SpecError;
    expect(error.problems.map((p) => `${p.file}: ${p.message}. Fix: ${p.fix}`)).toEqual([
      'apps/quote-api.ts: cannot be loaded: no quote sizes yet. Fix: fix what the file throws while it is evaluated',
    ]);
  });

  it('gives up on a file that throws or has no default export, and the project load reports it', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    writeFileSync(
      join(root, 'apps', 'quote-api.ts'),
      `import { defineApp } from '../lib/spec/index.ts';\nexport const spec = defineApp({} as never);\n`,
    );
    expect(await loadSpecFiles(root, ['apps/claims-api.ts', 'apps/quote-api.ts'])).toBeUndefined();
    const error = (await loadProject(root, { cache: false }).catch((e: unknown) => e)) as SpecError;
    expect(error.problems.map((p) => `${p.file}: ${p.message}`)).toContain('apps/quote-api.ts: has no default export');
  });

  it('loads a file that imports more of the repository than the spec module', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    writeFileSync(
      join(root, 'apps', 'quote-api.ts'),
      appSource(service('quote-api')).replace("from '../lib/spec/index.ts'", "from '../lib/spec/app.ts'"),
    );
    const project = await loadProject(root, { cache: false });
    expect(project.apps.map((a) => a.spec.name)).toEqual(['claims-api', 'quote-api']);
  });

  it('caches by its text only a file whose value depends on nothing else', () => {
    const head = "import { defineApp } from '../lib/spec/index.ts';\n";
    expect(isPureSpec(`${head}export default defineApp({ name: 'a' } as never);\n`)).toBe(true);
    expect(isPureSpec("import { x } from '../lib/spec/app.ts';\nexport default x;\n")).toBe(false);
    expect(isPureSpec(`${head}export { default } from '../shared/a.ts';\n`)).toBe(false);
    expect(isPureSpec(`${head}export default defineApp({ replicas: process.env.N ? 3 : 2 } as never);\n`)).toBe(false);
    expect(
      isPureSpec(
        `${head}export default defineApp({ description: \`built \${new Date().toISOString()}\` } as never);\n`,
      ),
    ).toBe(false);
    expect(isPureSpec(`${head}export * from '../shared/a.ts';\n`)).toBe(false);
    // A field named `from` is no re-export; an environment file imports the spec module from two folders up.
    expect(isPureSpec(`${head}export default defineApp({ promotion: { from: 'dev' } } as never);\n`)).toBe(true);
    expect(
      isPureSpec(
        "import { defineEnvironment } from '../../lib/spec/index.ts';\nexport default defineEnvironment({ name: 'sit' } as never);\n",
      ),
    ).toBe(true);
    // An import of the spec module over several lines, or of its types only, is pure.
    expect(
      isPureSpec(
        "import {\n  defineApp,\n  secretRef,\n} from '../lib/spec/index.ts'\nimport type { AppSpec } from '../lib/spec/index.ts'\nexport default defineApp({} as AppSpec);\n",
      ),
    ).toBe(true);
    // Any other import is not, with or without a semicolon before the spec module's.
    expect(
      isPureSpec(`import { sizes } from './common/sizes.ts'\n${head}export default defineApp(sizes as never);\n`),
    ).toBe(false);
    expect(isPureSpec(`import './common/setup.ts'\n${head}export default defineApp({} as never);\n`)).toBe(false);
    expect(isPureSpec(`${head}export default defineApp((await import('./common/a.ts')).default);\n`)).toBe(false);
    expect(isPureSpec(`${head}export default defineApp({ description: crypto.randomUUID() } as never);\n`)).toBe(false);
  });

  it('loads a file afresh when a module it imports without semicolons changes', async () => {
    // GIVEN an app file whose replicas come from a module beside it, imported with no semicolon, loaded once with the
    // cache on
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    mkdirSync(join(root, 'apps', 'common'));
    writeFileSync(join(root, 'apps', 'common', 'sizes.ts'), 'export const replicas = 2\n');
    const app = appSource(service('claims-api', { replicas: 1 })).replace('"replicas": 1', '"replicas": replicas');
    writeFileSync(join(root, 'apps', 'claims-api.ts'), `import { replicas } from './common/sizes.ts'\n${app}`);
    expect((await loadProject(root)).apps[0]!.spec.replicas).toBe(2);
    // WHEN only the imported module changes THEN the next load sees the change
    writeFileSync(join(root, 'apps', 'common', 'sizes.ts'), 'export const replicas = 4\n');
    expect((await loadProject(root)).apps[0]!.spec.replicas).toBe(4);
  });

  it('serves a checked environment and versions file from the cache only while their text is the same', async () => {
    // GIVEN a project loaded once with the cache on
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    expect(
      (await loadProject(root)).environments.find((e) => e.spec.name === 'sit')!.spec.capacity.defaultReplicas,
    ).toBe(1);
    // WHEN sit's environment file changes THEN the next load reads the new value
    const envFile = join(root, 'environments', 'sit', 'environment.ts');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('defaultReplicas: 1,', 'defaultReplicas: 3,'));
    expect(
      (await loadProject(root)).environments.find((e) => e.spec.name === 'sit')!.spec.capacity.defaultReplicas,
    ).toBe(3);
    // WHEN its versions file pins a tag that is not allowed THEN the load reports it, though the file passed before
    const versionsFile = join(root, 'environments', 'sit', 'versions.json');
    writeFileSync(versionsFile, readFileSync(versionsFile, 'utf8').replace(/"tag": "[^"]+"/, '"tag": "latest"'));
    const error = (await loadProject(root).catch((e: unknown) => e)) as SpecError;
    expect(error).toBeInstanceOf(SpecError);
    expect(error.problems.map((p) => `${p.file} ${p.field} ${String(p.value)}`)).toEqual([
      'environments/sit/versions.json claims-api.tag latest',
    ]);
  });

  it('loads a file that re-exports another afresh when the other changes', async () => {
    // GIVEN an app file that re-exports a spec kept outside apps/, loaded once with the cache on
    const root = tempRepo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    mkdirSync(join(root, 'shared'));
    const shared = (replicas: number) =>
      appSource(service('quote-api', { replicas })).replace("'../lib/spec/index.ts'", "'../lib/spec/index.ts'");
    writeFileSync(join(root, 'shared', 'quote-api.ts'), shared(2));
    writeFileSync(join(root, 'apps', 'quote-api.ts'), "export { default } from '../shared/quote-api.ts';\n");
    expect((await loadProject(root)).apps.find((a) => a.spec.name === 'quote-api')!.spec.replicas).toBe(2);
    // WHEN only the other file changes THEN the next load sees the change
    writeFileSync(join(root, 'shared', 'quote-api.ts'), shared(5));
    expect((await loadProject(root)).apps.find((a) => a.spec.name === 'quote-api')!.spec.replicas).toBe(5);
  });
});

describe('the spec cache', () => {
  it('compiles exactly the bytes it is given, not a second read of the file', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    const hashed = appSource(service('claims-api', { image: 'registry.insure.example/claims/hashed' }));
    const values = (await loadSpecFiles(root, ['apps/claims-api.ts'], [hashed])) as { image: string }[];
    expect(values[0]!.image).toBe('registry.insure.example/claims/hashed');
  });

  it('ignores and rebuilds a hand-edited entry of specs.json, never trusting it and never failing', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    await loadProject(root);
    const file = join(root, '.render-cache', 'specs.json');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('registry.insure.example/claims/claims-api');
    writeFileSync(
      file,
      text.replaceAll('registry.insure.example/claims/claims-api', 'registry.insure.example/claims/forged'),
    );
    const project = await loadProject(root);
    expect(project.apps[0]!.spec.image).toBe('registry.insure.example/claims/claims-api');
    expect(readFileSync(file, 'utf8')).not.toContain('forged');
    writeFileSync(file, '{"code": 1, "entries": null}');
    expect((await loadProject(root)).apps[0]!.spec.image).toBe('registry.insure.example/claims/claims-api');
  });
});

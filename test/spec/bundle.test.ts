import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFiles } from '../../lib/spec/bundle.ts';
import { loadProject } from '../../lib/spec/project.ts';
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
    const values = (await loadSpecFiles(root, ['apps/claims-api.ts', 'apps/quote-api.ts'])) as { name: string; env?: unknown }[];
    expect(values.map((v) => v.name)).toEqual(['claims-api', 'quote-api']);
    expect(values[1]!.env).toEqual({ DB: { secret: 'quote-db', key: 'password' } });
  });

  it('gives up on the batch when one file is broken; the project load then names that file and loads the others', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    writeFileSync(join(root, 'apps', 'quote-api.ts'), `import { defineApp } from '../lib/spec/index.ts';\nexport default defineApp({ name: 'quote-api', team: \n`);
    expect(await loadSpecFiles(root, ['apps/claims-api.ts', 'apps/quote-api.ts'])).toBeUndefined();
    const error = await loadProject(root, { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    const problems = (error as SpecError).problems;
    expect(problems.map((p) => p.file)).toEqual(['apps/quote-api.ts']);
    expect(problems[0]!.message).toMatch(/^cannot be loaded/);
  });

  it('gives up on a file that throws or has no default export, and the project load reports it', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api') } });
    writeFileSync(join(root, 'apps', 'quote-api.ts'), `import { defineApp } from '../lib/spec/index.ts';\nexport const spec = defineApp({} as never);\n`);
    expect(await loadSpecFiles(root, ['apps/claims-api.ts', 'apps/quote-api.ts'])).toBeUndefined();
    const error = (await loadProject(root, { cache: false }).catch((e: unknown) => e)) as SpecError;
    expect(error.problems.map((p) => `${p.file}: ${p.message}`)).toContain('apps/quote-api.ts: has no default export');
  });

  it('imports a file that imports more than the spec module on its own', async () => {
    const root = tempRepo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
    writeFileSync(join(root, 'apps', 'quote-api.ts'), appSource(service('quote-api')).replace("from '../lib/spec/index.ts'", "from '../lib/spec/app.ts'"));
    const project = await loadProject(root, { cache: false });
    expect(project.apps.map((a) => a.spec.name)).toEqual(['claims-api', 'quote-api']);
  });
});

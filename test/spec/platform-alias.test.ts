import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPureSpec, loadProject } from '../../lib/spec/project.ts';
import { REPO_ROOT, service, tempRepo } from '../fixture.ts';

/** An app file importing the platform through the package's alias, as the README's template does (pinned by `apps`). */
function aliasedApp(name: string, extra = ''): string {
  const spec = JSON.stringify(service(name), null, 2);
  return `import { defineApp } from '#platform';\n${extra}\nexport default defineApp(${spec} as never);\n`;
}

describe('the #platform import alias', () => {
  it('names the spec module in package.json', () => {
    const text = readFileSync(join(REPO_ROOT, 'package.json'), 'utf8');
    const manifest = JSON.parse(text) as { imports: Record<string, string> };
    expect(manifest.imports['#platform']).toBe('./lib/spec/index.ts');
  });

  it('GIVEN apps importing #platform WHEN the project loads THEN they load with their specs', async () => {
    // GIVEN two apps written as the README says
    const apps = { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') };
    const rawApps = { 'claims-api.ts': aliasedApp('claims-api'), 'quote-api.ts': aliasedApp('quote-api') };
    const root = tempRepo({ apps, rawApps });

    // WHEN the project is loaded
    const project = await loadProject(root, { cache: false });

    // THEN both apps are there, with their images
    expect(project.apps.map((a) => [a.spec.name, a.spec.image])).toEqual([
      ['claims-api', 'registry.insure.example/claims/claims-api'],
      ['quote-api', 'registry.insure.example/claims/quote-api'],
    ]);
  });

  it('GIVEN an app Node imports on its own WHEN the project loads THEN #platform resolves', async () => {
    // GIVEN an app that also imports a Node module, which makes the batch compile give up
    const extra = "import { posix } from 'node:path';\nconst team = posix.basename('/claims');\n";
    const source = aliasedApp('quote-api', extra).replace('"team": "claims"', 'team');
    const root = tempRepo({ apps: { 'quote-api': service('quote-api') }, rawApps: { 'quote-api.ts': source } });

    // WHEN the project is loaded
    const project = await loadProject(root, { cache: false });

    // THEN the app loaded, with the value its code computed
    expect(project.apps.map((a) => [a.spec.name, a.spec.team])).toEqual([['quote-api', 'claims']]);
  });

  it('caches by its text a file whose only import is #platform', () => {
    expect(isPureSpec(aliasedApp('quote-api'))).toBe(true);
    const environment = 'import { defineEnvironment } from "#platform";\nexport default defineEnvironment({});\n';
    expect(isPureSpec(environment)).toBe(true);
    // Another alias, or the alias beside another import, makes the value depend on more than the text.
    expect(isPureSpec("import { x } from '#platform/app';\nexport default x;\n")).toBe(false);
    expect(isPureSpec(aliasedApp('quote-api', "import { sizes } from './common/sizes.ts';"))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../lib/validate/policy.ts';
import { loadProject } from '../../lib/spec/project.ts';
import { renderedApp, service, tempRepo } from '../fixture.ts';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('rule no-secret-content', () => {
  it('names a ConfigMap entry holding a secret (a manifest edited by hand), and skips the entries the spec allows', async () => {
    const root = tempRepo({
      apps: {
        'claims-api': service('claims-api', {
          config: { 'sample.jwt': JWT, 'app.yaml': 'a: 1\n' },
          notSecrets: { 'config.sample.jwt': 'the API docs sample token' },
        }),
      },
    });
    const env = (await loadProject(root, { cache: false })).environments.find((e) => e.spec.name === 'dev')!.spec;
    const configMap = (await renderedApp(root, 'dev', 'claims-api')).find((o) => o.kind === 'ConfigMap')!;
    // THEN the reason is on the object, where the release order shows it, and the rule passes
    expect(configMap.metadata?.annotations?.['platform.insure.example/not-secrets']).toBe(
      'sample.jwt: the API docs sample token',
    );
    expect(checkPolicy(configMap, env).filter((v) => v.rule === 'no-secret-content')).toEqual([]);
    // WHEN a secret is added by hand to another entry THEN the rule names it
    const edited = { ...configMap, data: { ...(configMap.data as object), 'app.yaml': `token: ${JWT}\n` } };
    const found = checkPolicy(edited, env).filter((v) => v.rule === 'no-secret-content');
    expect(found.map((v) => v.message)).toEqual(["entry 'app.yaml' holds a JSON Web Token"]);
  });
});

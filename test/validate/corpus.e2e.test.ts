import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { RenderedFile } from '../../lib/kube/object.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { checkPolicy, RULES } from '../../lib/validate/policy.ts';
import { readManifests, validateFiles, validateManifestDir } from '../../lib/validate/validate.ts';
import prod from '../../environments/prod/environment.ts';
import { REPO_ROOT } from '../fixture.ts';
import { CASES } from './corpus/cases.ts';
import { PLATFORM_EXCEPTIONS } from '../../lib/validate/exceptions.ts';

const environments = new Map<string, EnvironmentSpec>([['prod', prod]]);
const committed = readManifests(join(REPO_ROOT, 'manifests')).filter((f) => f.env === 'prod');

/** The committed prod file at `path`, its objects edited by `edit` on a deep copy. */
function edited(path: string, edit: (objects: any[]) => void): RenderedFile {
  const file = committed.find((f) => f.path === path);
  if (!file) throw new Error(`no committed manifest ${path}`);
  const objects = structuredClone(file.objects) as any[];
  edit(objects);
  return { ...file, objects };
}

const check = (file: RenderedFile) => validateFiles([file], environments, { strict: true, across: false });

describe('validate corpus: one realistic mistake per case', () => {
  it('has at least 60 cases, each with its own name', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it('passes every file the cases start from, unedited', () => {
    for (const path of new Set(CASES.map((c) => c.file))) expect(check(edited(path, () => {})), path).toEqual([]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('fails %s', (_name, c) => {
    const violations = check(edited(c.file, c.edit));
    expect(
      violations.map((v) => ({ file: v.file, object: v.object, rule: v.rule, message: v.message })),
    ).toContainEqual({
      file: c.file,
      object: c.object,
      rule: c.rule,
      message: c.message,
    });
    // A malformed object is explained by its schema errors, never by a rule that tripped over it.
    expect(violations.filter((v) => v.rule === 'malformed')).toEqual([]);
    for (const v of violations) expect(v.fix.length, `${v.rule}: ${v.message}`).toBeGreaterThan(10);
  });

  it('has a case for every rule that checks single objects or files', () => {
    const covered = new Set(CASES.map((c) => c.rule));
    const untested = RULES.filter((r) => !r.checkAcross && !covered.has(r.id)).map((r) => r.id);
    // Rules with cases elsewhere: rollout rules (test/rollout/policy.test.ts), log collection (test/logging), and
    // the rules below in test/validate/policy.test.ts.
    const elsewhere = new Set([
      'read-only-root-fs',
      'resource-requests',
      'image-digest',
      'no-secret-data',
      'required-labels',
      'fluent-bit-config',
    ]);
    expect(untested.filter((id) => !id.startsWith('rollout-') && !elsewhere.has(id))).toEqual([]);
  });

  it('lists every rule and every listed platform exception in the README Policy section', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const policy = readme.slice(readme.indexOf('## Policy\n'), readme.indexOf('## Rollouts\n'));
    for (const rule of RULES) expect(policy, rule.id).toContain(`| \`${rule.id}\` |`);
    for (const e of PLATFORM_EXCEPTIONS) expect(policy, e.object).toContain(`| \`${e.object}\` | \`${e.rule}\` |`);
  });

  it('reports a rule that cannot read a malformed object as malformed, naming the rule, instead of throwing', () => {
    // GIVEN a Deployment whose containers are given as a map
    const file = edited('prod/apps/claims-api.yaml', (o) => {
      const pod = o.find((x) => x.kind === 'Deployment').spec.template.spec;
      pod.containers = { app: pod.containers[0] };
    });
    const deployment = file.objects.find((o) => o.kind === 'Deployment')!;
    // WHEN the policy alone runs on it
    const found = checkPolicy(deployment, prod, { file: file.objects }).filter((v) => v.rule === 'malformed');
    // THEN the rules that read containers say so, by id
    expect(found.map((v) => v.message.replace(/ \(.*\)$/, ''))).toEqual([
      "the object is malformed where rule 'rollout-grace-period' reads it",
      "the object is malformed where rule 'rollout-readiness-probe' reads it",
    ]);
  });
});

describe('validate on a manifests folder', () => {
  /** A copy of manifests/ in a temp root with the real environments linked in. */
  function copy(): string {
    const root = mkdtempSync(join(tmpdir(), 'validate-corpus-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    cpSync(join(REPO_ROOT, 'manifests'), join(root, 'manifests'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'environments'), join(root, 'environments'));
    return root;
  }

  it('fails a file of broken YAML without hiding the findings of other files', () => {
    // GIVEN one file that is not YAML and a NodePort Service in another
    const root = copy();
    writeFileSync(join(root, 'manifests/prod/apps/quote-api.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: [\n');
    const api = join(root, 'manifests/prod/apps/claims-api.yaml');
    writeFileSync(api, readFileSync(api, 'utf8').replace('  type: ClusterIP', '  type: NodePort'));
    // WHEN validate reads the folder
    const { violations } = validateManifestDir(join(root, 'manifests'), new Map([['prod', prod]]));
    const lines = violations.filter((v) => v.file.startsWith('prod/')).map((v) => `${v.file} ${v.rule}: ${v.message}`);
    // THEN both are reported
    expect(lines).toContain(
      'prod/apps/claims-api.yaml service-exposure: Service type NodePort opens the app outside the cluster',
    );
    expect(lines.some((l) => /^prod\/apps\/quote-api\.yaml yaml: invalid YAML at line \d+: /.test(l))).toBe(true);
  });

  it('fails through the real command, exit 1, naming file, object, rule and fix', () => {
    const root = copy();
    const api = join(root, 'manifests/prod/apps/claims-api.yaml');
    writeFileSync(api, readFileSync(api, 'utf8').replace('      restartPolicy: Always', '      restartPolicy: Never'));
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'lib/cli/launch.mjs'), 'validate'], {
      cwd: root,
      env: { ...process.env, PLATFORM_ROOT: root, PROMTOOL: '/nonexistent/promtool' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      '  - manifests/prod/apps/claims-api.yaml apps/v1/Deployment/claims/claims-api [api-restart-policy]:' +
        ' restartPolicy "Never" on a Deployment; the API server accepts only Always.' +
        ' Fix: set restartPolicy: Always (or leave it out)',
    );
  });
});

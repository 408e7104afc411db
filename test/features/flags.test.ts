import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../lib/kube/object.ts';
import { renderApp } from '../../lib/render/render.ts';
import {
  FEATURE_FLAGS,
  FEATURE_REGISTRY,
  type FeatureRegistry,
  flagsInEffect,
  formatFeatures,
  parseFeatures,
  withFeatures,
} from '../../lib/spec/features.ts';
import { ProblemSink, SpecError } from '../../lib/spec/problems.ts';
import { loadProject, resolveProject, type Project } from '../../lib/spec/project.ts';
import { ENVS, service, tempRepo } from '../fixture.ts';

const FILE = 'environments/sit/features.json';

/** The registry after `tmp-512` was retired: gone from the known flags, its behaviour the default. */
const RETIRED: FeatureRegistry = {
  flags: {},
  retired: { 'tmp-512': { note: 'the /tmp volume holds 512 MiB everywhere since 2027-01' } },
};

function parse(text: string, options: Parameters<typeof parseFeatures>[3] = {}) {
  const sink = new ProblemSink();
  const on = parseFeatures(text, FILE, sink, options);
  return { on, problems: sink.problems };
}

/** The `tmp` volume's size limit of `app`'s Deployment. */
function tmpLimit(objects: readonly KubeObject[]): unknown {
  const deployment = objects.find((o) => o.kind === 'Deployment') as
    | { spec: { template: { spec: { volumes: { name: string; emptyDir?: { sizeLimit?: string } }[] } } } }
    | undefined;
  return deployment?.spec.template.spec.volumes.find((v) => v.name === 'tmp')?.emptyDir?.sizeLimit;
}

/** Every app × environment of `project`, rendered: `env/app` → objects. */
function renderProject(project: Project): Record<string, KubeObject[]> {
  return Object.fromEntries(resolveProject(project).map((a) => [`${a.environment.name}/${a.name}`, renderApp(a)]));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the platform flag registry', () => {
  it('describes every flag: what it turns on and what it changes', () => {
    for (const [name, flag] of Object.entries(FEATURE_FLAGS)) {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(flag.description.length).toBeGreaterThan(10);
      expect(flag.changes.length).toBeGreaterThan(10);
    }
    expect(Object.keys(FEATURE_REGISTRY.flags)).toContain('tmp-512');
  });

  it('GIVEN a features file WHEN parsed THEN it gives the flags that are on, sorted; false is off', () => {
    expect(parse('{ "tmp-512": true }')).toEqual({ on: { 'tmp-512': true }, problems: [] });
    expect(parse('{ "tmp-512": false }')).toEqual({ on: {}, problems: [] });
    expect(parse('{}')).toEqual({ on: {}, problems: [] });
  });

  it('fails on an unknown flag, naming the file, the flag and the closest known name', () => {
    const { problems } = parse('{ "tmp512": true }');
    expect(problems).toEqual([
      {
        file: FILE,
        field: 'tmp512',
        value: true,
        message: 'unknown platform flag',
        fix: "did you mean 'tmp-512'? Rename it",
      },
    ]);
  });

  it('fails on a flag nothing is close to, listing the known flags', () => {
    const { problems } = parse('{ "bigger-heap": true }');
    expect(problems[0]!.fix).toBe('remove it; the flags the platform knows are: tmp-512 (lib/spec/features.ts)');
  });

  it('fails on a value that is not a boolean', () => {
    const { on, problems } = parse('{ "tmp-512": "yes" }');
    expect(on).toEqual({});
    expect(problems).toMatchObject([
      {
        field: 'tmp-512',
        value: 'yes',
        message: 'a flag is true (on) or false (off)',
        fix: 'write "tmp-512": true, or remove it',
      },
    ]);
  });

  it('fails on a file that is not JSON, or not an object', () => {
    const broken = parse('{ "tmp-512": true');
    expect(broken.on).toBeUndefined();
    expect(broken.problems[0]!.message).toMatch(/^is not valid JSON: /);
    expect(broken.problems[0]!.fix).toContain(`git checkout -- ${FILE}`);
    const list = parse('["tmp-512"]');
    expect(list.on).toBeUndefined();
    expect(list.problems[0]!.message).toBe('is not a JSON object of flag → true/false');
  });

  it('fails on a retired flag still named, saying it is the default now and to remove it', () => {
    const { problems } = parse('{ "tmp-512": true }', { registry: RETIRED });
    expect(problems).toEqual([
      {
        file: FILE,
        field: 'tmp-512',
        value: true,
        message:
          "names retired flag 'tmp-512', which is the default everywhere now (the /tmp volume holds 512 MiB everywhere since 2027-01)",
        fix: `remove "tmp-512" from ${FILE}; its behaviour needs no flag any more`,
      },
    ]);
  });

  it('GIVEN an older revision naming a retired flag WHEN read as history THEN it is a deprecation warning, not an error', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { on, problems } = parse('{ "tmp-512": true }', { registry: RETIRED, legacy: true });
    expect(problems).toEqual([]);
    expect(on).toEqual({});
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("names retired flag 'tmp-512'"), {
      type: 'DeprecationWarning',
      code: 'PLATFORM_RETIRED_FEATURE',
    });
  });

  it('puts every retired flag in effect, as the default', () => {
    expect(flagsInEffect({}, RETIRED)).toEqual({ 'tmp-512': true });
    expect(flagsInEffect({}, FEATURE_REGISTRY)).toEqual({});
    expect(flagsInEffect({ 'tmp-512': true }, FEATURE_REGISTRY)).toEqual({ 'tmp-512': true });
  });

  it('writes a features file canonically: the flags that are on, sorted, two spaces, final newline', () => {
    expect(formatFeatures({ 'tmp-512': true, 'a-flag': false })).toBe('{\n  "tmp-512": true\n}\n');
    expect(formatFeatures({})).toBe('{}\n');
  });
});

describe('flags in the render', () => {
  const apps = { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') };

  it('GIVEN tmp-512 on in dev only WHEN loaded and rendered THEN only dev pods get a 512 MiB /tmp', async () => {
    const root = tempRepo({ apps });
    writeFileSync(join(root, 'environments', 'dev', 'features.json'), '{ "tmp-512": true }\n');
    const project = await loadProject(root, { cache: false });
    expect(project.environments.map((e) => [e.spec.name, e.spec.features])).toEqual(
      ENVS.map((env) => [env, env === 'dev' ? { 'tmp-512': true } : undefined]),
    );
    const rendered = renderProject(project);
    for (const [key, objects] of Object.entries(rendered))
      expect([key, tmpLimit(objects)]).toEqual([key, key.startsWith('dev/') ? '512Mi' : '256Mi']);
  });

  it('fails to load an environment whose features file names an unknown flag', async () => {
    const root = tempRepo({ apps });
    writeFileSync(join(root, 'environments', 'uat', 'features.json'), '{ "tmp-521": true }\n');
    const error = await loadProject(root, { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toContain(
      "environments/uat/features.json: 'tmp-521' (true): unknown platform flag. Fix: did you mean 'tmp-512'? Rename it",
    );
  });

  it('GIVEN tmp-512 on in every environment WHEN it is retired (default on, entries removed) THEN every manifest is the same', async () => {
    // GIVEN the flag on everywhere, with today's registry
    const onEverywhere = tempRepo({ apps });
    for (const env of ENVS)
      writeFileSync(join(onEverywhere, 'environments', env, 'features.json'), '{ "tmp-512": true }\n');
    const before = renderProject(await loadProject(onEverywhere, { cache: false }));
    // WHEN the retiring change removes the entries, and the registry lists the flag as retired
    const retiredRoot = tempRepo({ apps });
    const plain = await loadProject(retiredRoot, { cache: false });
    const sink = new ProblemSink();
    const retired: Project = {
      ...plain,
      environments: plain.environments.map((e) => ({
        ...e,
        spec: withFeatures(retiredRoot, e.spec.name, e.spec, sink, false, RETIRED)!,
      })),
    };
    expect(sink.problems).toEqual([]);
    expect(retired.environments.map((e) => e.spec.features)).toEqual(ENVS.map(() => ({ 'tmp-512': true })));
    // THEN the render is the same, object for object; and it differs from the render with the flag off
    expect(renderProject(retired)).toEqual(before);
    const off = renderProject(plain);
    expect(Object.values(off).map(tmpLimit)).toEqual(Object.values(before).map(() => '256Mi'));
    expect(Object.values(before).map(tmpLimit)).toEqual(Object.values(before).map(() => '512Mi'));
  });

  it('fails to load an environment still naming a retired flag, saying to remove it', async () => {
    const root = tempRepo({ apps });
    writeFileSync(join(root, 'environments', 'prod', 'features.json'), '{ "tmp-512": true }\n');
    const prod = (await loadProject(root, { cache: false })).environments.find((e) => e.spec.name === 'prod')!;
    const sink = new ProblemSink();
    withFeatures(root, 'prod', prod.spec, sink, false, RETIRED);
    expect(sink.problems.map((p) => [p.file, p.field, p.fix])).toEqual([
      [
        'environments/prod/features.json',
        'tmp-512',
        'remove "tmp-512" from environments/prod/features.json; its behaviour needs no flag any more',
      ],
    ]);
  });
});

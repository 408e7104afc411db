import { afterEach, describe, expect, it, vi } from 'vitest';
import { App, Chart } from 'cdk8s';
import { k8s } from '../../lib/cdk8s/k8s.ts';
import { LIBRARY_JSON_VARIABLE, objectJson, withLibraryJson } from '../../lib/cdk8s/json.ts';
import { chartObjects } from '../../lib/cdk8s/chart.ts';
import { appFile, renderApp } from '../../lib/render/render.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { generateApps } from '../../lib/bench/generate.ts';
import { fleetRepo, makeRepo } from '../fixture.ts';

/** One manifest file written both ways: its bytes, and its objects as JSON text (key order included). */
interface BothWays {
  readonly path: string;
  readonly walked: string;
  readonly library: string;
  readonly kinds: readonly string[];
}

/** Every manifest file of the repository at `root`, rendered with the walk and with cdk8s' own `toJson()`. */
async function renderBothWays(root: string): Promise<BothWays[]> {
  const out: BothWays[] = [];
  for (const app of resolveProject(await loadProject(root, { cache: false }))) {
    const walked = withLibraryJson(false, () => appFile(app, renderApp(app)));
    const library = withLibraryJson(true, () => appFile(app, renderApp(app)));
    const text = (file: typeof walked) => `${JSON.stringify(file.objects)}\n${file.content}`;
    const kinds = walked.objects.map((o) => o.kind);
    out.push({ path: walked.path, walked: text(walked), library: text(library), kinds });
  }
  return out;
}

/** A chart holding one ConfigMap whose `toJson()` answers `marker`, so that a test sees which way it was written. */
function markedChart(marker: unknown): Chart {
  const chart = new Chart(new App(), 'test', { namespace: 'claims', disableResourceNameHashes: true });
  const map = new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'claims-api' }, data: { a: '1' } });
  map.toJson = () => marker;
  return chart;
}

describe('chartObjects, with the walk and with the library toJson()', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('renders every sample app in every environment to the same objects and bytes both ways', async () => {
    // GIVEN the repository's apps and environments
    // WHEN every app x environment is rendered with the walk and with toJson()
    const files = await renderBothWays(fleetRepo());
    // THEN every manifest file is byte-identical, and its objects too, key order included
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) expect(file.walked, file.path).toBe(file.library);
  });

  it('renders generated apps of every workload kind, rollout, log and metrics setting to the same bytes', async () => {
    // GIVEN 40 generated apps: services, workers, cronjobs; rolling, in-place fixed-IP and batched
    // rollouts; log directories with Java and start-pattern multiline; metrics with alert overrides
    const repo = makeRepo({ apps: Object.fromEntries(generateApps(40).map((a) => [a.name, a])) });
    try {
      // WHEN each app x environment is rendered both ways
      const files = await renderBothWays(repo.root);
      // THEN the bytes are the same, over every kind of object those features write
      for (const file of files) expect(file.walked, file.path).toBe(file.library);
      const kinds = new Set(files.flatMap((f) => f.kinds));
      const expected = ['Deployment', 'CloneSet', 'CronJob', 'Service', 'ConfigMap', 'PodMonitor', 'PrometheusRule'];
      for (const kind of expected) expect(kinds, kind).toContain(kind);
    } finally {
      repo.cleanup();
    }
  });

  it('writes objects by their own toJson() with the switch on, and by the walk with it off', () => {
    // GIVEN a chart whose only object answers a marker from toJson()
    const marker = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'marked' } };
    const chart = markedChart(marker);
    // WHEN it is written with the switch on, then off
    const library = withLibraryJson(true, () => chartObjects(chart));
    const walked = withLibraryJson(false, () => chartObjects(chart));
    // THEN only the library way calls toJson()
    expect(library).toEqual([marker]);
    expect(walked[0]!.metadata.name).toBe('claims-api');
    expect(walked[0]!.data).toEqual({ a: '1' });
  });

  it(`turns the walk off when ${LIBRARY_JSON_VARIABLE}=1 is set in the environment`, async () => {
    // GIVEN the variable set before the module is loaded
    vi.stubEnv(LIBRARY_JSON_VARIABLE, '1');
    vi.resetModules();
    const fresh = await import('../../lib/cdk8s/json.ts');
    // WHEN an object whose toJson() answers a marker is written
    const marker = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'marked' } };
    const object = markedChart(marker)
      .node.findAll()
      .find((c) => c instanceof k8s.KubeConfigMap) as k8s.KubeConfigMap;
    // THEN the fresh module asks toJson(), and the one loaded without the variable walks
    expect(fresh.objectJson(object)).toBe(marker);
    expect(objectJson(object).metadata.name).toBe('claims-api');
  });
});

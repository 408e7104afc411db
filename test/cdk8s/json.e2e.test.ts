import { afterEach, describe, expect, it } from 'vitest';
import { ApiObject, App, Chart, Duration, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { k8s } from '../../lib/cdk8s/k8s.ts';
import { metadataJson, objectJson } from '../../lib/cdk8s/json.ts';
import { appChart } from '../../lib/render/render.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { generateApps } from '../../lib/bench/generate.ts';
import { fleetRepo, makeRepo } from '../fixture.ts';

function chart(app = new App()): Chart {
  return new Chart(app, 'test', {
    namespace: 'claims',
    labels: { 'app.kubernetes.io/name': 'claims-api', 'a.example/first': 'x' },
    disableResourceNameHashes: true,
  });
}

/** Every API object of every app × environment in the repository at `root`, each with the path of its construct. */
async function everyObject(root: string): Promise<ApiObject[]> {
  const out: ApiObject[] = [];
  for (const app of resolveProject(await loadProject(root, { cache: false }))) {
    const { chart } = appChart(new App(), app.name, app);
    for (const c of chart.node.findAll()) if (c instanceof ApiObject) out.push(c);
  }
  return out;
}

/** Both writings of `object`, as text (key order included). */
function both(object: ApiObject): [string, string] {
  return [JSON.stringify(objectJson(object)), JSON.stringify(object.toJson())];
}

/** A deployment whose props hold every kind of token cdk8s resolves by default. */
function tokenDeployment(scope: Chart): k8s.KubeDeployment {
  return new k8s.KubeDeployment(scope, 'Deployment', {
    metadata: {
      name: 'claims-api',
      labels: { zeta: 'z', alpha: { resolve: () => 'from-token' } as unknown as string },
      finalizers: [],
    },
    spec: {
      replicas: Lazy.any({ produce: () => 3 }),
      selector: { matchLabels: { app: 'claims-api' } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) },
      },
      template: {
        metadata: { labels: { app: 'claims-api' } },
        spec: {
          setHostnameAsFqdn: false,
          containers: [
            {
              name: 'main',
              image: 'registry.insure.example/claims/claims-api:1.0.0',
              resources: {
                requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
              },
              env: [
                { name: 'B', value: 'b' },
                { name: 'A', value: Lazy.any({ produce: () => undefined }) },
              ],
              args: Lazy.any({ produce: () => ['--port', Lazy.any({ produce: () => '8080' })] }),
            },
          ],
          volumes: [],
          nodeSelector: {},
        },
      },
    },
  });
}

describe('objectJson', () => {
  afterEach(() => {
    delete process.env.CDK8S_DISABLE_SORT;
  });

  it('writes every object of every sample app in every environment as toJson() does, key order included', async () => {
    // GIVEN every object the repository's apps render
    const objects = await everyObject(fleetRepo());
    expect(objects.length).toBeGreaterThan(400);
    // WHEN each is written both ways
    // THEN the texts are identical
    for (const object of objects) {
      const [fast, cdk8s] = both(object);
      expect(fast, object.node.path).toBe(cdk8s);
      expect(JSON.stringify(metadataJson(object.metadata)), object.node.path).toBe(
        JSON.stringify(object.metadata.toJson()),
      );
    }
  });

  it('writes the objects of generated apps (every rollout strategy, log directories, metrics) as toJson() does', async () => {
    // GIVEN 40 generated apps, with the benchmark's mix of features
    const repo = makeRepo({ apps: Object.fromEntries(generateApps(40).map((a) => [a.name, a])) });
    try {
      const objects = await everyObject(repo.root);
      // THEN every generated kind is written identically
      const kinds = new Set<string>();
      for (const object of objects) {
        const [fast, cdk8s] = both(object);
        expect(fast, object.node.path).toBe(cdk8s);
        kinds.add(object.constructor.name);
      }
      expect([...kinds].sort()).toEqual([
        'KubeConfigMap',
        'KubeCronJob',
        'KubeDeployment',
        'KubeService',
        'KubeServiceAccount',
        'PlainObject',
      ]);
    } finally {
      repo.cleanup();
    }
  });

  it('resolves lazy values, implicit tokens and number-or-string unions, renames fields and drops empty members as toJson() does', () => {
    // GIVEN an object holding each kind of token, unsorted maps, undefined members and empty collections
    const object = tokenDeployment(chart());
    // WHEN it is written both ways
    const [fast, cdk8s] = both(object);
    // THEN both agree, and the values are the resolved ones
    expect(fast).toBe(cdk8s);
    const json = objectJson(object) as unknown as {
      metadata: { labels: Record<string, string> };
      spec: Record<string, any>;
    };
    expect(json.spec.replicas).toBe(3);
    expect(json.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
    expect(json.spec.template.spec.setHostnameAsFQDN).toBe(false);
    expect(json.spec.template.spec.containers[0].args).toEqual(['--port', '8080']);
    expect(json.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(Object.keys(json.metadata.labels)).toEqual(['a.example/first', 'alpha', 'app.kubernetes.io/name', 'zeta']);
    expect(json.metadata.labels.alpha).toBe('from-token');
    expect(json.metadata).not.toHaveProperty('finalizers');
  });

  it('writes metadata with finalizers, owner references and fields cdk8s keeps as given, as toJson() does', () => {
    // GIVEN metadata beyond name, namespace, labels and annotations; and metadata with nothing in its maps
    const rich = new k8s.KubeConfigMap(chart(), 'Rich', {
      metadata: {
        name: 'claims-api-config',
        finalizers: ['platform.insure.example/keep'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '1' }],
        generateName: 'claims-',
        annotations: { zeta: 'z', alpha: Lazy.any({ produce: () => 'lazy' }) as unknown as string },
      },
      data: { a: '1' },
    });
    const bare = new k8s.KubeConfigMap(new Chart(new App(), 'bare', { disableResourceNameHashes: true }), 'Bare', {
      metadata: { name: 'bare' },
    });
    // THEN both writings agree, on the object and on its metadata alone
    for (const object of [rich, bare]) {
      const [fast, cdk8s] = both(object);
      expect(fast).toBe(cdk8s);
      expect(JSON.stringify(metadataJson(object.metadata))).toBe(JSON.stringify(object.metadata.toJson()));
    }
    expect(objectJson(rich).metadata).toMatchObject({
      generateName: 'claims-',
      finalizers: ['platform.insure.example/keep'],
      annotations: { alpha: 'lazy' },
    });
  });

  it('keeps the order of the props when CDK8S_DISABLE_SORT is set, as toJson() does', () => {
    process.env.CDK8S_DISABLE_SORT = '1';
    const object = tokenDeployment(chart());
    const [fast, cdk8s] = both(object);
    expect(fast).toBe(cdk8s);
  });

  it('fails on a value that is no token and no plain data, with the message toJson() gives', () => {
    // GIVEN a Duration where a number belongs
    const object = new k8s.KubeDeployment(chart(), 'Deployment', {
      metadata: { name: 'claims-api' },
      spec: {
        selector: {},
        template: { spec: { containers: [] } },
        minReadySeconds: Duration.seconds(10) as unknown as number,
      },
    });
    // THEN both refuse it with the same message, which names the construct and the type
    let expected = '';
    try {
      object.toJson();
    } catch (error) {
      expected = (error as Error).message;
    }
    expect(expected).toContain("can't render non-simple object of type 'Duration'");
    expect(() => objectJson(object)).toThrow(expected);
  });

  it('leaves an object with a JSON patch, or an App with resolvers of its own, to toJson()', () => {
    // GIVEN a patched object, and an object in an App that rewrites every image
    const patched = tokenDeployment(chart());
    patched.addJsonPatch(JsonPatch.add('/spec/paused', true));
    const mirror = 'registry.insure.example/mirror:1.0.0';
    const rewriting: IResolver = {
      // cdk8s resolves a replaced value again, so the resolver leaves its own value alone.
      resolve(context: ResolutionContext) {
        if (context.key.at(-1) === 'image' && context.value !== mirror) context.replaceValue(mirror);
      },
    };
    const resolved = tokenDeployment(chart(new App({ resolvers: [rewriting] })));
    // THEN each is written as toJson() writes it, the patch and the resolver applied
    expect(objectJson(patched)).toEqual(patched.toJson());
    expect((objectJson(patched).spec as { paused?: boolean }).paused).toBe(true);
    expect(JSON.stringify(objectJson(resolved))).toContain(mirror);
    expect(objectJson(resolved)).toEqual(resolved.toJson());
  });
});

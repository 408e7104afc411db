/**
 * The approaches a team would otherwise pick, timed on the same generated
 * objects: one cdk8s App holding every chart, and kustomize overlays; and the
 * floor, what the stack itself costs per render.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, Cron, Size } from 'cdk8s';
import type { ResolvedApp } from '../spec/resolve.ts';
import { appChart } from '../render/render.ts';
import { parseImage } from '../validate/policy.ts';
import { toYaml } from '../render/yaml.ts';
import type { KubeObject } from '../kube/object.ts';
import { cmp } from '../util/compare.ts';
import { kplus } from '../cdk8s/k8s.ts';
import { cpuMillis } from '../spec/quantity.ts';
import { mebibytes } from '../workload/microservice.ts';

/** Result of one baseline: seconds, or why it did not run. */
export type BaselineResult = { readonly seconds: number } | { readonly skipped: string };

/**
 * A single `cdk8s.App` with one chart per app × environment, synthesised once:
 * the same constructs as the platform's render (the Microservice and every
 * feature's objects), through cdk8s' own `app.synth()`, without the
 * platform's edits of the synthesised pod templates, its validation or its emitter.
 */
export function cdk8sSingleApp(apps: readonly ResolvedApp[]): BaselineResult {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-cdk8s-'));
  try {
    const start = performance.now();
    const app = new App({ outdir });
    for (const a of apps) appChart(app, `${a.environment.name}-${a.name}`, a);
    app.synth();
    return { seconds: (performance.now() - start) / 1000 };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Whether `kubectl` (with kustomize) is on the PATH. */
function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
}

/**
 * `kubectl kustomize` over a base holding every app's objects (as rendered for
 * the first environment) plus one overlay per environment that sets each app's
 * image, as a kustomize user would. Times building all overlays.
 */
export function kustomizeOverlays(
  apps: readonly ResolvedApp[],
  objectsOf: (a: ResolvedApp) => KubeObject[],
): BaselineResult {
  if (!hasKubectl()) return { skipped: 'kubectl is not installed on this machine' };
  const dir = mkdtempSync(join(tmpdir(), 'bench-kustomize-'));
  try {
    const envs = [...new Set(apps.map((a) => a.environment.name))];
    const first = apps.filter((a) => a.environment.name === envs[0]);
    mkdirSync(join(dir, 'base'));
    const resources: string[] = [];
    for (const a of first) {
      writeFileSync(join(dir, 'base', `${a.name}.yaml`), toYaml(objectsOf(a)));
      resources.push(`${a.name}.yaml`);
    }
    writeFileSync(
      join(dir, 'base', 'kustomization.yaml'),
      toYaml([
        { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.sort(cmp) },
      ]),
    );
    for (const env of envs) {
      const images = apps
        .filter((a) => a.environment.name === env)
        .map((a) => {
          const image = parseImage(a.image);
          return { name: image.repository, newTag: image.tag, ...(image.digest ? { digest: image.digest } : {}) };
        });
      mkdirSync(join(dir, 'overlays', env), { recursive: true });
      writeFileSync(
        join(dir, 'overlays', env, 'kustomization.yaml'),
        toYaml([
          {
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            resources: ['../../base'],
            images,
            labels: [{ pairs: { 'platform.insure.example/environment': env } }],
          },
        ]),
      );
    }
    const start = performance.now();
    for (const env of envs) {
      const result = spawnSync('kubectl', ['kustomize', join(dir, 'overlays', env)], {
        encoding: 'utf8',
        maxBuffer: 1024 * 1024 * 1024,
      });
      if (result.status !== 0) return { skipped: `kubectl kustomize failed: ${result.stderr.split('\n')[0]}` };
    }
    return { seconds: (performance.now() - start) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The floor of a render: for each app × environment, only the cdk8s-plus
 * constructs the app needs at the least (ServiceAccount, ConfigMap, Deployment
 * or CronJob with its one container, Service, HorizontalPodAutoscaler) in a
 * chart of their own, and cdk8s' `toJson` of each object. None of the
 * platform's defaults, sidecars, checks, YAML or writes: a render that keeps
 * cdk8s-plus cannot take less. Returns the number of objects built.
 */
export function stackFloor(apps: readonly ResolvedApp[]): number {
  let objects = 0;
  for (const a of apps) {
    const chart = new Chart(new App(), a.name, {
      namespace: a.namespace,
      labels: { 'app.kubernetes.io/name': a.name },
      disableResourceNameHashes: true,
    });
    const serviceAccount = new kplus.ServiceAccount(chart, 'ServiceAccount', {
      metadata: { name: a.name },
      automountToken: false,
    });
    const config =
      Object.keys(a.config).length > 0
        ? new kplus.ConfigMap(chart, 'ConfigMap', { metadata: { name: `${a.name}-config` }, data: { ...a.config } })
        : undefined;
    const envVariables: Record<string, kplus.EnvValue> = {};
    for (const [name, value] of Object.entries(a.env))
      if (typeof value === 'string') envVariables[name] = kplus.EnvValue.fromValue(value);
    const container: kplus.ContainerProps = {
      name: a.name,
      image: a.image,
      ports: a.ports.map((p) => ({ name: p.name, number: p.port })),
      envVariables,
      resources: {
        cpu: { request: kplus.Cpu.millis(cpuMillis(a.resources.cpu)) },
        memory: {
          request: Size.mebibytes(mebibytes(a.resources.memory)),
          limit: Size.mebibytes(mebibytes(a.resources.memoryLimit)),
        },
      },
      volumeMounts: config ? [{ path: a.configDir, volume: kplus.Volume.fromConfigMap(chart, 'Config', config) }] : [],
    };
    if (a.kind === 'cronjob') {
      new kplus.CronJob(chart, 'CronJob', {
        metadata: { name: a.name },
        serviceAccount,
        containers: [container],
        schedule: Cron.daily(),
      });
    } else {
      const deployment = new kplus.Deployment(chart, 'Deployment', {
        metadata: { name: a.name },
        serviceAccount,
        containers: [container],
        replicas: a.autoscaling ? undefined : a.replicas,
      });
      if (a.ports.length > 0)
        deployment.exposeViaService({
          name: a.name,
          ports: a.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
        });
      if (a.autoscaling)
        new kplus.HorizontalPodAutoscaler(chart, 'Autoscaler', {
          target: deployment,
          minReplicas: a.autoscaling.minReplicas,
          maxReplicas: a.autoscaling.maxReplicas,
        });
    }
    for (const c of chart.node.findAll()) {
      if (c instanceof ApiObject) {
        c.toJson();
        objects++;
      }
    }
  }
  return objects;
}

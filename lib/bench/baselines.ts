/**
 * The approaches a team would otherwise pick, timed on the same generated
 * objects: one cdk8s App holding every chart, and kustomize overlays.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import type { ResolvedApp } from '../spec/resolve.ts';
import { appChart } from '../render/render.ts';
import { parseImage } from '../validate/policy.ts';
import { toYaml, type KubeObject } from '../render/yaml.ts';
import { cmp } from '../util/compare.ts';

/** Result of one baseline: seconds, or why it did not run. */
export type BaselineResult = { readonly seconds: number } | { readonly skipped: string };

/**
 * A single `cdk8s.App` with one chart per app × environment, synthesised once:
 * the same constructs as the platform's render (the Microservice and its
 * observability objects), through cdk8s' own `app.synth()`, without the
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
export function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
}

/**
 * `kubectl kustomize` over a base holding every app's objects (as rendered for
 * the first environment) plus one overlay per environment that sets each app's
 * image, as a kustomize user would. Times building all overlays.
 */
export function kustomizeOverlays(apps: readonly ResolvedApp[], objectsOf: (a: ResolvedApp) => KubeObject[]): BaselineResult {
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
    writeFileSync(join(dir, 'base', 'kustomization.yaml'), toYaml([{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.sort(cmp) }]));
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
        toYaml([{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../../base'], images, labels: [{ pairs: { 'platform.insure.example/environment': env } }] }]),
      );
    }
    const start = performance.now();
    for (const env of envs) {
      const result = spawnSync('kubectl', ['kustomize', join(dir, 'overlays', env)], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
      if (result.status !== 0) return { skipped: `kubectl kustomize failed: ${result.stderr.split('\n')[0]}` };
    }
    return { seconds: (performance.now() - start) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../lib/kube/object.ts';
import { classifyField, diffFields, diffObjects } from '../../lib/release/diff.ts';
import type { PlacedObject } from '../../lib/release/manifests.ts';

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'claims-api',
      namespace: 'claims',
      labels: { 'app.kubernetes.io/name': 'claims-api', 'app.kubernetes.io/version': '1.0.0' },
    },
    spec: {
      replicas: 2,
      template: { metadata: { labels: { 'app.kubernetes.io/version': '1.0.0' } }, spec: { containers } },
      ...extra,
    },
  };
}

function placed(object: KubeObject, env = 'dev'): PlacedObject {
  return { env, app: 'claims-api', file: `${env}/apps/claims-api.yaml`, object };
}

const container = {
  name: 'claims-api',
  image: 'registry.insure.example/claims/claims-api:1.0.0',
  env: [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ],
  ports: [
    { name: 'http', containerPort: 8080 },
    { name: 'admin', containerPort: 9090 },
  ],
  resources: { requests: { cpu: '100m', memory: '256Mi' } },
};

describe('semantic diff', () => {
  it('GIVEN env vars, ports and keys in another order WHEN diffed THEN nothing changed', () => {
    const reordered = {
      resources: { requests: { memory: '256Mi', cpu: '100m' } },
      ports: [...container.ports].reverse(),
      env: [...container.env].reverse(),
      image: container.image,
      name: container.name,
    };
    expect(diffFields(deployment([container]), deployment([reordered]))).toEqual([]);
  });

  it('GIVEN an env var changed among reordered ones WHEN diffed THEN only that var is reported, by name', () => {
    const changed = {
      ...container,
      env: [
        { name: 'B', value: '3' },
        { name: 'A', value: '1' },
      ],
    };
    const fields = diffFields(deployment([container]), deployment([changed]));
    expect(fields.map((f) => [f.path, f.before, f.after])).toEqual([
      ['spec.template.spec.containers[claims-api].env[B].value', '2', '3'],
    ]);
  });

  it('GIVEN only the version label differs WHEN diffed THEN it is no field change (the version is reported per app)', () => {
    const after = deployment([container]);
    (after.metadata.labels as Record<string, string>)['app.kubernetes.io/version'] = '1.1.0';
    expect(diffFields(deployment([container]), after)).toEqual([]);
  });

  it('classifies image, config, scale, resources, rollout and other changes', () => {
    const before = deployment([container], { strategy: { type: 'RollingUpdate' } });
    const after = deployment(
      [
        {
          ...container,
          image: 'registry.insure.example/claims/claims-api:1.1.0',
          env: [...container.env, { name: 'C', value: 'x' }],
          resources: { requests: { cpu: '200m', memory: '256Mi' } },
        },
      ],
      { replicas: 3, strategy: { type: 'Recreate' }, paused: false },
    );
    (after.spec as Record<string, unknown>).replicas = 3;
    after.metadata.annotations = { note: 'x' };
    const changes = diffObjects([placed(before)], [placed(after)]);
    expect(changes.map((c) => [c.kind, c.fields.map((f) => f.path)])).toEqual([
      ['image', ['spec.template.spec.containers[claims-api].image']],
      ['config', ['spec.template.spec.containers[claims-api].env[C]']],
      ['scale', ['spec.replicas']],
      ['resources', ['spec.template.spec.containers[claims-api].resources.requests.cpu']],
      ['rollout', ['spec.paused', 'spec.strategy.type']],
      ['other', ['metadata.annotations']],
    ]);
  });

  it('classifies ConfigMap data as config, HPA bounds as scale and PodDisruptionBudget changes as rollout', () => {
    const cm = (v: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { 'app.yaml': v },
    });
    expect(classifyField(cm('a'), ['data', 'app.yaml'])).toBe('config');
    const hpa: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' } };
    expect(classifyField(hpa, ['spec', 'maxReplicas'])).toBe('scale');
    const pdb: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' } };
    expect(classifyField(pdb, ['spec', 'maxUnavailable'])).toBe('rollout');
    expect(
      classifyField(deployment([]), ['spec', 'template', 'spec', 'containers', 'readinessProbe', 'periodSeconds']),
    ).toBe('rollout');
  });

  it('GIVEN objects only at one side WHEN diffed THEN they are added or removed; an apiVersion change is a field change', () => {
    const svc = (v: string): KubeObject => ({
      apiVersion: v,
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'claims' },
    });
    const gone: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'old', namespace: 'claims' } };
    const fresh: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'new', namespace: 'claims' } };
    const changes = diffObjects(
      [placed(svc('autoscaling/v1')), placed(gone)],
      [placed(svc('autoscaling/v2')), placed(fresh)],
    );
    expect(changes.map((c) => [c.kind, c.object])).toEqual([
      ['other', 'autoscaling/v2/HorizontalPodAutoscaler/claims/h'],
      ['added', 'v1/Service/claims/new'],
      ['removed', 'v1/Service/claims/old'],
    ]);
  });
});

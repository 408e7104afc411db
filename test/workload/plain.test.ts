import { describe, expect, it } from 'vitest';
import { App, Chart, Duration, JsonPatch, Lazy } from 'cdk8s';
import { PlainObject } from '../../lib/workload/plain.ts';

function chart(): Chart {
  return new Chart(new App(), 'test', {
    namespace: 'claims',
    labels: { 'app.kubernetes.io/name': 'claims-api' },
    disableResourceNameHashes: true,
  });
}

describe('PlainObject', () => {
  it('takes the namespace and labels of its chart and copies its body without empty members', () => {
    // GIVEN a plain object with an undefined and a null member
    const object = new PlainObject(chart(), 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'claims-api', annotations: { note: 'x' } },
      spec: {
        podSelector: { matchLabels: { app: 'claims-api' } },
        ingress: [],
        egress: [{ to: [{ namespaceSelector: {} }] }],
        policyTypes: undefined,
        extra: null,
      },
    });
    // WHEN it is synthesised
    const json = object.toJson();
    // THEN the chart's namespace and labels are there, empty collections stay, undefined and null members go
    expect(json).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'claims-api',
        namespace: 'claims',
        labels: { 'app.kubernetes.io/name': 'claims-api' },
        annotations: { note: 'x' },
      },
      spec: {
        podSelector: { matchLabels: { app: 'claims-api' } },
        ingress: [],
        egress: [{ to: [{ namespaceSelector: {} }] }],
      },
    });
  });

  it('gives a copy: changing the synthesised object leaves the next synthesis as it was', () => {
    const object = new PlainObject(chart(), 'ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: '1' },
    });
    (object.toJson().data as Record<string, string>).a = 'changed';
    expect(object.toJson().data).toEqual({ a: '1' });
  });

  it('fails on anything that is not plain data, naming the field', () => {
    const object = new PlainObject(chart(), 'Rollout', {
      apiVersion: 'rollouts.kruise.io/v1beta1',
      kind: 'Rollout',
      metadata: { name: 'claims-api' },
      spec: { strategy: { canary: { steps: [{ pause: { duration: Duration.seconds(60) } }] } } },
    });
    expect(() => object.toJson()).toThrow(
      "Rollout claims-api: field 'spec.strategy.canary.steps[0].pause.duration' holds a Duration, not plain data",
    );
  });

  it('fails on a JSON patch, which would be lost', () => {
    const object = new PlainObject(chart(), 'ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    });
    expect(() => object.addJsonPatch(JsonPatch.add('/data', {}))).toThrow(
      'ConfigMap c is a PlainObject: set the field where its body is built',
    );
  });
});

describe('PlainObject with a lazy field', () => {
  it('produces the field when it is written, so it holds what was added after construction', () => {
    // GIVEN a plain object whose spec is produced from a list filled after it is built
    const items: string[] = [];
    const object = new PlainObject(chart(), 'ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: Lazy.any({ produce: () => ({ items: items.join(','), none: undefined }) }),
    });
    items.push('a', 'b');
    // WHEN it is synthesised
    // THEN the field is what the producer gives then, copied as plain data
    expect(object.toJson().data).toEqual({ items: 'a,b' });
  });

  it('fails a lazy field that produces something other than plain data, naming the field', () => {
    const object = new PlainObject(chart(), 'ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: Lazy.any({ produce: () => ({ timeout: Duration.seconds(5) }) }),
    });
    expect(() => object.toJson()).toThrow("ConfigMap c: field 'data.timeout' holds a Duration, not plain data");
  });
});

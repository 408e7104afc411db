import { describe, expect, it } from 'vitest';
import { inPlaceVerdict } from '../../lib/rollout/inplace.ts';

function cloneSet(image: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'apps.kruise.io/v1alpha1',
    kind: 'CloneSet',
    metadata: { name: 'partner-gateway' },
    spec: {
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'partner-gateway', ...labels } },
        spec: { containers: [{ name: 'app', image, ...extra }] },
      },
    },
  };
}

describe('inPlaceVerdict', () => {
  it('keeps pods when only the image and pod labels change', () => {
    const verdict = inPlaceVerdict(
      cloneSet('gw:1.0.0'),
      cloneSet('gw:1.1.0', {}, { 'app.kubernetes.io/version': '1.1.0' }),
    );
    expect(verdict).toEqual({ inPlace: true, recreatedBy: [] });
  });

  it('recreates pods when anything else in the template changes, naming the field', () => {
    const verdict = inPlaceVerdict(
      cloneSet('gw:1.0.0'),
      cloneSet('gw:1.1.0', { env: [{ name: 'MODE', value: 'fast' }] }),
    );
    expect(verdict).toEqual({ inPlace: false, recreatedBy: ['spec.template.spec.containers[0].env'] });
  });

  it('recreates pods when a container is added', () => {
    const after = cloneSet('gw:1.0.0');
    after.spec.template.spec.containers.push({ name: 'sidecar', image: 'fluent-bit:3.2' });
    expect(inPlaceVerdict(cloneSet('gw:1.0.0'), after).recreatedBy).toEqual(['spec.template.spec.containers']);
  });
});

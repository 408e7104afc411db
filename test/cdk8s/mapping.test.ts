import { describe, expect, it } from 'vitest';
import { applyMapping } from '../../lib/cdk8s/mapping.ts';
import { k8s } from '../../lib/cdk8s/k8s.ts';

/** Counts the calls of `mapping`, to see whether a plan or the mapping itself wrote an output. */
function counted<T>(mapping: (input: T) => unknown): { mapping: (input: unknown) => unknown; calls: () => number } {
  let calls = 0;
  return {
    mapping: (input) => {
      calls++;
      return mapping(input as T);
    },
    calls: () => calls,
  };
}

describe('applyMapping', () => {
  it('writes what the generated mapping writes, for every input of a learnt shape, without running it again', () => {
    // GIVEN the library's container mapping, which renames nothing here but unwraps quantities and drops undefined
    const { mapping, calls } = counted(k8s.toJson_Container);
    const container = (name: string, cpu: string) => ({
      name,
      image: `registry.insure.example/claims/${name}:1.0.0`,
      env: [{ name: 'A', value: name }],
      resources: { requests: { cpu: { value: cpu } } },
      ports: [{ containerPort: 8080, name: 'http' }],
    });
    // WHEN three inputs of the same shape, with different values, are mapped
    const inputs = [container('claims-api', '100m'), container('quote-api', '250m'), container('policy-api', '1')];
    const outputs = inputs.map((input) => applyMapping(mapping, input));
    // THEN each output is the mapping's own, key order included
    for (const [i, input] of inputs.entries()) {
      expect(JSON.stringify(outputs[i])).toBe(JSON.stringify(k8s.toJson_Container(input as never)));
    }
    expect((outputs[1] as { resources: { requests: { cpu: string } } }).resources.requests.cpu).toBe('250m');
    // AND the mapping ran only to learn the shape (on the marked copy, then on the input for the check)
    expect(calls()).toBe(2);
  });

  it('learns another plan for another shape: a member more, an array longer, a member absent', () => {
    const { mapping, calls } = counted(k8s.toJson_PodSpec);
    const pod = (extra: Record<string, unknown>) => ({ containers: [{ name: 'a' }], ...extra });
    const inputs = [
      pod({}),
      pod({ hostNetwork: true }),
      pod({ containers: [{ name: 'a' }, { name: 'b' }] }),
      pod({ setHostnameAsFqdn: false }),
      pod({ containers: [undefined] }),
    ];
    for (const input of inputs)
      expect(JSON.stringify(applyMapping(mapping, input))).toBe(JSON.stringify(k8s.toJson_PodSpec(input as never)));
    // The field the library renames is renamed.
    expect(applyMapping(mapping, pod({ setHostnameAsFqdn: true }))).toMatchObject({ setHostnameAsFQDN: true });
    expect(calls()).toBe(2 * inputs.length);
  });

  it('keeps the mapping itself for a shape whose output depends on the values', () => {
    // GIVEN a mapping that looks at a value, unlike the generated ones
    const { mapping, calls } = counted((input: { replicas: number }) => ({
      replicas: input.replicas,
      scaled: input.replicas > 1 ? 'yes' : 'no',
    }));
    // WHEN inputs of one shape with different values are mapped
    // THEN each output is right, because the learnt plan failed its check and the mapping runs every time
    expect(applyMapping(mapping, { replicas: 1 })).toEqual({ replicas: 1, scaled: 'no' });
    expect(applyMapping(mapping, { replicas: 3 })).toEqual({ replicas: 3, scaled: 'yes' });
    expect(applyMapping(mapping, { replicas: 2 })).toEqual({ replicas: 2, scaled: 'yes' });
    expect(calls()).toBeGreaterThanOrEqual(4);
  });

  it('keeps the mapping itself when its output holds an object it made, not plain data', () => {
    const { mapping } = counted((input: { at: string }) => ({ at: new Date(input.at) }));
    const first = applyMapping(mapping, { at: '2026-01-01T00:00:00Z' }) as { at: Date };
    const second = applyMapping(mapping, { at: '2026-02-01T00:00:00Z' }) as { at: Date };
    expect(second.at.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(second.at).not.toBe(first.at);
  });

  it('gives fresh objects: changing one output leaves the next as the mapping writes it', () => {
    const mapping = (input: unknown) => k8s.toJson_ObjectMeta(input as never);
    const first = applyMapping(mapping, { name: 'a', labels: { x: '1' } }) as { labels: Record<string, string> };
    first.labels.x = 'changed';
    expect(applyMapping(mapping, { name: 'b', labels: { x: '2' } })).toEqual({ name: 'b', labels: { x: '2' } });
  });
});

describe('the generated mappings the render replays', () => {
  it('look at no value but to ask whether it is undefined, so a plan learnt per shape holds for every value', () => {
    // A comparison, a truthiness test or a typeof on a value would not be noticed while a plan is learnt
    // (a marker is an object, and is compared without being looked at); the library's mappings must do
    // none of these for applyMapping to be right. This reads them as the installed library has them.
    const functions = Object.entries(k8s)
      .filter(([name, value]) => name.startsWith('toJson_') && typeof value === 'function')
      .map(([name, value]) => [name, String(value)] as const);
    expect(functions.length).toBeGreaterThan(400);
    const offending: string[] = [];
    for (const [name, source] of functions) {
      const rest = source.replaceAll(/\(?[\w.[\]]+\)?\s*===\s*undefined/g, '').replaceAll('=>', '');
      const found = rest.match(
        /===|!==|==|!=|\|\||&&|\?\?|\btypeof\b|\binstanceof\b|[<>]|\.(?!map\(|reduce\(|entries\(|toISOString\()\w+\(/,
      );
      if (found) offending.push(`${name}: ${found[0]}`);
    }
    expect(offending).toEqual([]);
  });
});

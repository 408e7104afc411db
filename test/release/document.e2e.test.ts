import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReleaseOrder, releaseOrderSchema } from '../../lib/release/document.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import { buildReleaseOrder } from '../../lib/release/order.ts';
import { service } from '../fixture.ts';
import { History } from './history.ts';

describe('release-order JSON: one schema for the writer and the readers', () => {
  let h: History;
  let json: string;

  beforeAll(async () => {
    // A release of a new image to prod and dr, a scale change and a new app: every part of the document is filled.
    h = await History.create({
      'claims-api': service('claims-api', { replicas: 2 }),
      'quote-api': service('quote-api', { team: 'pricing' }),
    });
    for (const env of ['prod', 'dr'] as const) h.pin(env, 'claims-api', '1.1.0');
    h.setApp('quote-api', service('quote-api', { team: 'pricing', overrides: { prod: { replicas: 0 } } }));
    await h.synth();
    const head = h.commit('Release claims-api 1.1.0 to prod and dr; quote-api to zero in prod');
    json = releaseOrderJson(await buildReleaseOrder(h.root, `${head}^`, head));
  });

  afterAll(() => h.cleanup());

  it('GIVEN a written release order WHEN a reader parses it THEN it gets every field back, in order', () => {
    const order = parseReleaseOrder(json, 'release-order.json');
    expect(order.changes.length).toBeGreaterThan(0);
    expect(order.environments.map((e) => e.env)).toEqual(['prod', 'dr']);
    expect(order.pins.map((p) => [p.env, p.app, p.after?.tag])).toEqual([
      ['prod', 'claims-api', '1.1.0'],
      ['dr', 'claims-api', '1.1.0'],
    ]);
    // Nothing the writer wrote is outside the schema (a parse drops unknown fields), and no field moved.
    expect(`${JSON.stringify(order, null, 2)}\n`).toBe(json);
  });

  it('fails on a document without a part the contract names, with the field at fault', () => {
    const { summary: _summary, ...rest } = JSON.parse(json) as Record<string, unknown>;
    expect(() => parseReleaseOrder(JSON.stringify(rest), 'order.json')).toThrow("order.json: 'summary'");
  });

  it('fails on a risk that is not a level, with the field at fault', () => {
    const doc = JSON.parse(json) as { changes: { risk: string }[] };
    doc.changes[0]!.risk = 'severe';
    expect(() => parseReleaseOrder(JSON.stringify(doc), 'order.json')).toThrow("order.json: 'changes[0].risk'");
  });

  it('fails on text that is not JSON, saying how to produce the document', () => {
    expect(() => parseReleaseOrder('# Release order', 'order.md')).toThrow(/order\.md: not JSON .*--format json/);
  });

  it('accepts exactly the risk levels of the environments policy', () => {
    const risks = releaseOrderSchema.shape.changes.element.shape.risk.options;
    expect(risks).toEqual(['low', 'medium', 'high']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../lib/render/yaml.ts';
import { detailParts, DETAIL_FILE, GITHUB_COMMENT_LIMIT, releaseOrderMarkdown } from '../../lib/release/markdown.ts';
import { buildReleaseOrder, type ReleaseOrder } from '../../lib/release/order.ts';
import { service } from '../fixture.ts';
import { History } from './history.ts';

/** A ConfigMap of app `name` whose one file has `lines` lines ending in `version`. */
function configMap(name: string, lines: number, version: string) {
  const text = Array.from({ length: lines }, (_, i) => `setting.${name}.${i} = value ${i} of release ${version}`).join(
    '\n',
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${name}-config`,
      namespace: 'bulk',
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': version },
    },
    data: { 'app.properties': text },
  };
}

/** A ConfigMap with `keys` one-line entries. */
function wideConfigMap(keys: number, version: string) {
  const data = Object.fromEntries(
    Array.from({ length: keys }, (_, i) => [`key-${String(i).padStart(5, '0')}`, `value-${version}-${i}`]),
  );
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wide-config', namespace: 'bulk' }, data };
}

describe('Markdown release order', () => {
  let h: History;
  let order: ReleaseOrder;
  const apps = Array.from({ length: 30 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    h = await History.create({ 'claims-api': service('claims-api') });
    const write = (version: string): void => {
      for (const app of apps) h.write(`manifests/dev/apps/${app}.yaml`, toYaml([configMap(app, 60, version)]));
      h.write('manifests/prod/apps/wide.yaml', toYaml([wideConfigMap(3000, version)]));
    };
    write('1');
    for (const app of apps) h.list('dev', `apps/${app}.yaml`);
    h.list('prod', 'apps/wide.yaml');
    const base = h.commit('Add bulk config');
    write('2');
    const head = h.commit('Change every bulk config');
    order = await buildReleaseOrder(h.root, base, head);
  }, 120_000);

  afterAll(() => h.cleanup());

  it('GIVEN an order longer than one GitHub comment WHEN rendered as the comment THEN it is one summary that points at the detail', () => {
    const comments = releaseOrderMarkdown(order);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(comments[0]).toContain(`\`${DETAIL_FILE}\``);
    expect(comments[0]).toContain('30 apps changed; 30 share the common pattern, 0 differ from it.');
    const linked = releaseOrderMarkdown(order, undefined, { detailLink: 'https://ci.example/artifact/7' })[0];
    expect(linked).toContain(`[${DETAIL_FILE}](https://ci.example/artifact/7)`);
  });

  it('GIVEN an order longer than one GitHub comment WHEN its detail is split THEN it comes in numbered parts within the limit', () => {
    const parts = detailParts(order);
    expect(JSON.stringify(order).length).toBeGreaterThan(2 * GITHUB_COMMENT_LIMIT);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    parts.forEach((part, i) => {
      expect(part.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(
        part.startsWith(
          `<!-- release-order ${order.base.slice(0, 12)}..${order.head.slice(0, 12)} part ${i + 1} of ${parts.length} -->\n`,
        ),
      ).toBe(true);
      expect(part).toContain(`· part ${i + 1} of ${parts.length}`);
      expect(part).toContain('| Environment | Step | Apps | Changes | Risk | Approvals | Who may approve |');
      expect(part.match(/<details>/g)?.length).toBe(part.match(/<\/details>/g)?.length);
    });
  });

  it('GIVEN split parts WHEN read together THEN every app appears in exactly one part and a continued environment says so', () => {
    const parts = detailParts(order);
    for (const app of [...apps, 'wide'])
      expect(
        parts.filter((p) => p.includes(`<b>${app}</b>`)),
        app,
      ).toHaveLength(1);
    expect(parts.slice(1).some((p) => p.includes('### dev (continued)'))).toBe(true);
  });

  it('GIVEN one app whose changes alone exceed a comment WHEN rendered THEN its block is cut to fit and says where the rest is', () => {
    const parts = detailParts(order);
    const wide = parts.find((p) => p.includes('<b>wide</b>'))!;
    expect(wide.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(wide).toMatch(
      /_\d+ more change\(s\) not shown: this app's changes exceed one comment; see `release-order --format json`._/,
    );
    expect(order.changes.find((c) => c.app === 'wide')!.fields).toHaveLength(3000);
  });

  it('GIVEN a short order WHEN rendered THEN it is one part with no part number in its title', () => {
    const parts = releaseOrderMarkdown({
      ...order,
      environments: order.environments.filter((e) => e.env === 'dev').map((e) => ({ ...e, apps: e.apps.slice(0, 1) })),
    });
    expect(parts).toHaveLength(1);
    expect(parts[0]).toContain(`## Release order \`${order.base.slice(0, 7)}\` → \`${order.head.slice(0, 7)}\`\n`);
  });
});

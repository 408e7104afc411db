import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPromotion, planPromotion, PromotionRefused, type PromotionRequest } from '../../lib/promote/promote.ts';
import { readPins, writePins } from '../../lib/promote/versions.ts';
import { SpecError } from '../../lib/spec/problems.ts';
import { appSource, digestOf, service } from '../fixture.ts';
import { committedRepo, gitAt } from './repo.ts';

/** Tuesday 2026-11-10 09:00 UTC: outside every freeze window. */
const T0 = Date.parse('2026-11-10T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000);
const git = (root: string, args: string[]) => gitAt(root, args, hours(0));

/** The state a failed promotion must leave alone: the work tree, the branches, HEAD. */
function state(root: string): string {
  return [
    git(root, ['status', '--porcelain']),
    git(root, ['branch', '--format=%(refname:short)']),
    git(root, ['rev-parse', 'HEAD']),
  ].join('|');
}

async function promote(root: string, request: PromotionRequest, commit = false) {
  const plan = await planPromotion(root, { ...request, now: hours(30) });
  return applyPromotion(root, plan, request, { commit });
}

describe('promotion never half-writes', () => {
  it('fails a forced promotion of a mutable tag and leaves versions files, manifests and branches as they were', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, hours(0));
    writePins(root, 'dev', { 'claims-api': { tag: 'latest' } });
    writePins(root, 'sit', { 'claims-api': { tag: '1.0.0' } });
    git(root, ['commit', '-q', '-am', 'dev runs latest']);
    const before = state(root);
    const sit = readFileSync(join(root, 'environments', 'sit', 'versions.json'), 'utf8');
    const error = await promote(root, { apps: ['claims-api'], to: 'sit', force: true, reason: 'x' }, true).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toContain('a mutable tag is not allowed in sit');
    expect(readFileSync(join(root, 'environments', 'sit', 'versions.json'), 'utf8')).toBe(sit);
    expect(state(root)).toBe(before);
  });

  it('fails --commit on a HEAD with commits that are not on main, naming them, and changes nothing', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, hours(0));
    const pin = { tag: '1.1.0', digest: digestOf('claims-api:1.1.0') };
    git(root, ['switch', '-q', '-c', 'feature-x']);
    writeFileSync(join(root, 'notes.md'), 'wip\n');
    git(root, ['add', 'notes.md']);
    git(root, ['commit', '-q', '-m', 'WIP feature x']);
    const before = state(root);
    const error = await promote(
      root,
      { apps: ['claims-api'], to: 'dev', version: pin.tag, digest: pin.digest },
      true,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromotionRefused);
    expect((error as Error).message).toContain('HEAD has 1 commit(s) that are not on main');
    expect((error as Error).message).toContain('WIP feature x');
    expect(state(root)).toBe(before);
    // From main, the branch holds the promotion alone.
    git(root, ['switch', '-q', 'main']);
    const applied = await promote(
      root,
      { apps: ['claims-api'], to: 'dev', version: pin.tag, digest: pin.digest },
      true,
    );
    expect(git(root, ['log', '--format=%s', `main..${applied.branch}`]).trim()).toBe(
      'Pin new build of claims-api 1.1.0 to dev',
    );
  });
});

describe('promotion carries the digest', () => {
  it('fails to replace a digest-pinned version with one that has no digest', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, hours(0));
    writePins(root, 'sit', { 'claims-api': { tag: '1.2.0' } });
    git(root, ['commit', '-q', '-am', 'sit runs 1.2.0 without digest']);
    const error = await planPromotion(root, {
      apps: ['claims-api'],
      to: 'uat',
      force: true,
      reason: 'x',
      now: hours(30),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromotionRefused);
    const refusal = (error as PromotionRefused).refusals[0]!;
    expect(refusal.gate).toBe('provenance');
    expect(refusal.message).toContain('1.2.0 has no digest, and would replace 1.0.0@sha256:');
  });

  it('--all keeps the digest of a pin whose version did not change upstream', async () => {
    const root = await committedRepo(
      { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') },
      hours(0),
    );
    const uat = readPins(root, 'uat');
    writePins(root, 'sit', { 'claims-api': { tag: '1.0.0' }, 'quote-api': { tag: '1.0.0' } });
    git(root, ['commit', '-q', '-am', 'sit pins without digests']);
    const plan = await planPromotion(root, {
      apps: [],
      all: true,
      to: 'uat',
      force: true,
      reason: 'x',
      now: hours(30),
    });
    expect(plan.changes).toEqual([]);
    await applyPromotion(root, plan, { apps: [], all: true, to: 'uat' });
    expect(readPins(root, 'uat')).toEqual(uat);
  });
});

describe('first entry into dev', () => {
  it('pins the first build of a new app that lists only dev, as the load error says', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, hours(0));
    writeFileSync(
      join(root, 'apps', 'fraud-scoring.ts'),
      appSource(service('fraud-scoring', { environments: ['dev'] })),
    );
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'add fraud-scoring']);
    const digest = digestOf('fraud-scoring:0.1.0');
    await promote(root, { apps: ['fraud-scoring'], to: 'dev', version: '0.1.0', digest });
    expect(readPins(root, 'dev')['fraud-scoring']).toEqual({ tag: '0.1.0', digest });
    expect(readFileSync(join(root, 'manifests', 'dev', 'apps', 'fraud-scoring.yaml'), 'utf8')).toContain(
      `fraud-scoring:0.1.0@${digest}`,
    );
  });
});

import { load } from 'js-yaml';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emitYaml } from '../../lib/render/emit.ts';

/** Pieces that YAML parsers treat specially: number prefixes, signs, dates, booleans, indicators, line breaks. */
const PIECES = [
  '0',
  '1',
  '7',
  '9',
  'x',
  'X',
  'o',
  'O',
  'b',
  'B',
  'e',
  'E',
  'f',
  'F',
  '.',
  '-',
  '+',
  '_',
  ':',
  '#',
  ' ',
  '\n',
  '\t',
  'true',
  'False',
  'yes',
  'NO',
  'on',
  'Off',
  'y',
  'n',
  'null',
  'Null',
  '~',
  'inf',
  '.inf',
  'NaN',
  '.nan',
  '2026',
  '-01',
  '-1',
  'T09',
  ':30',
  'Z',
  '0x',
  '0X',
  '0o',
  '0O',
  '0b',
  '0B',
  '1e3',
  '=',
  '<<',
  '"',
  "'",
  '\\',
  '@',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '`',
  '[',
  ']',
  '{',
  '}',
  ',',
  '?',
  'a',
  'key: v',
];

/** A small seeded generator, so every run tries the same strings and a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('emitYaml, fuzzed', () => {
  it('keeps every string a string, with its exact value, for YAML 1.1, YAML 1.2 and js-yaml readers', () => {
    const next = random(20261204);
    for (let i = 0; i < 4000; i++) {
      const n = 1 + Math.floor(next() * 5);
      const s = Array.from({ length: n }, () => PIECES[Math.floor(next() * PIECES.length)]!).join('');
      const value = { k: s, list: [s], nested: { [s]: s } };
      const text = emitYaml(value);
      const readers: [string, unknown][] = [
        ['yaml 1.1', parse(text, { version: '1.1' })],
        ['yaml 1.2', parse(text, { version: '1.2' })],
        ['js-yaml', load(text)],
      ];
      for (const [reader, read] of readers)
        expect(read, `${reader} read ${JSON.stringify(s)} back wrong from:\n${text}`).toEqual(value);
    }
  });
});

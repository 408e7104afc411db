import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitYaml } from '../../lib/render/emit.ts';
import { listFiles } from '../../lib/validate/validate.ts';
import { REPO_ROOT } from '../fixture.ts';

/** Parses as YAML 1.1 (what Kubernetes' Go parser speaks) and as YAML 1.2. */
function both(text: string): [unknown, unknown] {
  return [parse(text, { version: '1.1' }), parse(text, { version: '1.2' })];
}

describe('emitYaml', () => {
  it('writes block style with sorted keys and indented sequences', () => {
    expect(
      emitYaml({ spec: { ports: [{ port: 80, name: 'http' }], b: true }, apiVersion: 'v1', empty: {}, none: [] }),
    ).toBe(
      [
        'apiVersion: v1',
        'empty: {}',
        'none: []',
        'spec:',
        '  b: true',
        '  ports:',
        '    - name: http',
        '      port: 80',
        '',
      ].join('\n'),
    );
  });

  it('quotes every string a YAML 1.1 or 1.2 parser would read as something else', () => {
    const tricky = [
      '',
      'yes',
      'No',
      'on',
      'off',
      'null',
      '~',
      'true',
      '0755',
      '10:30',
      '1e3',
      '.5',
      '0x1F',
      '.inf',
      '- x',
      ': x',
      'a: b',
      'a #b',
      'x:',
      ' lead',
      'trail ',
      '#c',
      '*ref',
      '&a',
      '!tag',
      '%dir',
      '@at',
      '`t',
      '{a}',
      '[a]',
      '"q"',
      "'q'",
      '|',
      '>',
      'tab\there',
      '\u2028',
      '2026-01-01',
      '2026-1-1 10:00:00',
      '2026-01-01T09:00:00Z',
      '0X1F',
      '0O17',
      '0B11',
      '+0X1F',
      '0XFF_FF',
      '.',
      '-.',
      '\n',
      '\n\n',
    ];
    for (const s of tricky) {
      const text = emitYaml({ k: s, list: [s], [s || 'empty-key']: 1 });
      for (const parsed of both(text))
        expect(parsed, `${JSON.stringify(s)} in:\n${text}`).toEqual({ k: s, list: [s], [s || 'empty-key']: 1 });
    }
  });

  it('quotes what a Go YAML parser reads as an integer or a date, so the API server gets the string', () => {
    for (const s of ['0X1F', '0O17', '0B11', '+0X1F', '0XFF_FF', '2026-01-01', '.'])
      expect(emitYaml({ k: s })).toBe(`k: ${JSON.stringify(s)}\n`);
    expect(emitYaml({ k: '\n' })).toBe('k: "\\n"\n');
  });

  it('writes plain what is safe to read plain', () => {
    expect(
      emitYaml({
        a: '2.14.1',
        b: '-XX:MaxRAMPercentage=75.0',
        c: 'registry.insure.example/claims/claims-api:1.0.0@sha256:ab',
        d: '30 1 * * *',
      }),
    ).toBe(
      'a: "2.14.1"\nb: "-XX:MaxRAMPercentage=75.0"\nc: registry.insure.example/claims/claims-api:1.0.0@sha256:ab\nd: 30 1 * * *\n',
    );
  });

  it('writes multi-line text as literal blocks that keep every newline', () => {
    for (const s of [
      'a: 1\nb: 2\n',
      'no newline at end\nline 2',
      'two at end\n\n',
      '\nstarts empty\n',
      'x\n\n\ny\n',
      '  indented first\nline\n',
      'trailing space \nline\n',
    ]) {
      const text = emitYaml({ data: { 'file.yaml': s }, list: [s] });
      for (const parsed of both(text)) expect(parsed, text).toEqual({ data: { 'file.yaml': s }, list: [s] });
    }
    expect(emitYaml({ f: 'a: 1\nb: 2\n' })).toBe('f: |\n  a: 1\n  b: 2\n');
  });

  it('writes nested sequences and objects inside sequences', () => {
    const value = { a: [[1, 2], [], [{ x: { y: [] } }], { p: null, q: [{}] }] };
    for (const parsed of both(emitYaml(value))) expect(parsed).toEqual(value);
  });

  it('round-trips every committed manifest', () => {
    const dir = join(REPO_ROOT, 'manifests');
    for (const file of listFiles(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const doc of parseAllDocuments(text)) {
        const value = doc.toJS() as unknown;
        expect(parse(emitYaml(value), { version: '1.1' }), file).toEqual(value);
      }
    }
  });
});

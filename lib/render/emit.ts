/**
 * A fast YAML emitter for JSON-shaped data (objects, arrays, strings, finite
 * numbers, booleans, null): the hot path of `synth`, where the general-purpose
 * `yaml` stringifier dominated the render time.
 *
 * Output is block style with sorted keys. A string is written plain only when
 * YAML 1.1 and 1.2 parsers (Kubernetes' Go parser is 1.1) both read it back as
 * the same string; otherwise it is double-quoted with JSON escapes (valid YAML),
 * or, when it spans lines, as a literal block scalar. Tests round-trip every
 * rendered manifest through the `yaml` parser.
 */
import { cmp } from '../util/compare.ts';

/** Serialises one document (without the `---` marker), keys sorted, ending in a newline. */
export function emitYaml(value: unknown): string {
  const out: string[] = [];
  if (isCollection(value) && !isEmptyCollection(value)) emitBlock(value, 0, out);
  else out.push(scalar(value, 0), '\n');
  return out.join('');
}

type Collection = Record<string, unknown> | unknown[];

function isCollection(v: unknown): v is Collection {
  return v !== null && typeof v === 'object';
}

function isEmptyCollection(v: Collection): boolean {
  return Array.isArray(v) ? v.length === 0 : definedKeys(v).length === 0;
}

function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort(cmp);
}

function emitBlock(value: Collection, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      out.push(pad, '- ');
      emitItem(item === undefined ? null : item, indent + 2, out);
    }
    return;
  }
  for (const key of definedKeys(value)) {
    out.push(pad, plainOrQuoted(key), ':');
    const v = value[key];
    if (isCollection(v) && !isEmptyCollection(v)) {
      out.push('\n');
      // Sequences under a key are indented one level, as kubectl and the yaml library write them.
      emitBlock(v, indent + 2, out);
    } else {
      out.push(' ', scalar(v, indent + 2), '\n');
    }
  }
}

/** An item after `- `: its first line continues the dash line. */
function emitItem(item: unknown, indent: number, out: string[]): void {
  if (!isCollection(item) || isEmptyCollection(item)) {
    out.push(scalar(item, indent), '\n');
    return;
  }
  const lines: string[] = [];
  emitBlock(item, indent, lines);
  // Drop the indentation of the first line: it sits after the dash.
  const first = lines.findIndex((s) => s.length > 0);
  if (first >= 0 && lines[first] === ' '.repeat(indent)) lines[first] = '';
  out.push(...lines);
}

function scalar(v: unknown, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to a manifest`);
    return String(v);
  }
  if (typeof v === 'string') return stringScalar(v, indent);
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  throw new Error(`cannot write a ${typeof v} to a manifest`);
}

function stringScalar(s: string, indent: number): string {
  if (s.includes('\n') && isBlockSafe(s)) return literalBlock(s, indent);
  return plainOrQuoted(s);
}

/** Words YAML 1.1 reads as booleans or null. */
const RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|=|<<)$/;
/** Anything a YAML 1.1 or 1.2 parser may read as a number (incl. octal, hex, sexagesimal, infinities). */
const NUMBERISH = /^[-+]?(?:[0-9][0-9_:.]*(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|0[xob][0-9a-fA-F_]+|\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
/** Characters a plain scalar may not start with. */
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

function plainOrQuoted(s: string): string {
  if (
    s.length === 0 ||
    INDICATOR_START.test(s) ||
    /\s$/.test(s) ||
    s.includes(': ') ||
    s.includes(' #') ||
    s.endsWith(':') ||
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s) ||
    RESERVED.test(s) ||
    NUMBERISH.test(s)
  ) {
    return JSON.stringify(s);
  }
  return s;
}

/** A literal block keeps the text exactly; it cannot hold control characters or lines with only-space prefixes that would change indentation. */
function isBlockSafe(s: string): boolean {
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\r]/.test(s)) return false;
  const firstContent = s.split('\n').find((line) => line.length > 0) ?? '';
  if (firstContent.startsWith(' ')) return false;
  return !s.split('\n').some((line) => /[ ]$/.test(line));
}

function literalBlock(s: string, indent: number): string {
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing > 0 ? s.slice(0, s.length - (chomp === '+' ? 0 : 1)) : s;
  const pad = ' '.repeat(indent);
  const lines = (chomp === '+' ? body.slice(0, -1) : body).split('\n');
  return `|${chomp}\n${lines.map((l) => (l.length > 0 ? pad + l : '')).join('\n')}`;
}

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
import { isSorted } from '../util/compare.ts';

/** Serialises one document (without the `---` marker), keys sorted, ending in a newline. */
export function emitYaml(value: unknown): string {
  return emitDocument(value, '');
}

/**
 * `text` followed by one document (without the `---` marker). The text grows
 * by concatenation, which V8 keeps as a tree of parts (a rope) until the text
 * is first read (hashed, written): a fifth faster to build than a list of
 * parts joined at the end, and no slower once read.
 */
export function emitDocument(value: unknown, text: string): string {
  return entry(value, 0, false, text, '', '');
}

/** Keys with a value, in UTF-16 code unit order (what the default sort compares, like `cmp`). */
function definedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  let defined = keys;
  for (let i = 0; i < keys.length; i++) {
    if (o[keys[i]!] === undefined) {
      defined = keys.filter((k) => o[k] !== undefined);
      break;
    }
  }
  // Most objects arrive sorted already (cdk8s sorts the keys it writes): check before sorting.
  return isSorted(defined) ? defined : defined.sort();
}

const PADS: string[] = Array.from({ length: 32 }, (_, i) => ' '.repeat(i));

/** `PADS` followed by the `- ` of a sequence entry. */
const DASHES: string[] = PADS.map((pad) => `${pad}- `);

/**
 * `text` followed by `value`, an entry of a collection at `indent`: a nested
 * collection on the lines that follow, after `nested` (with `inline`, its first
 * line continues the `- ` of a sequence entry), or anything else (empty
 * collections too) on this line, after `flat`.
 */
function entry(value: unknown, indent: number, inline: boolean, text: string, nested: string, flat: string): string {
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      if (value.length > 0) return sequence(value, indent, inline, text + nested);
    } else {
      const keys = definedKeys(value as Record<string, unknown>);
      if (keys.length > 0) return mapping(value as Record<string, unknown>, keys, indent, inline, text + nested);
    }
  }
  return text + flat + scalar(value, indent) + '\n';
}

/**
 * `text` followed by a sequence in block style at `indent`; with `inline`, its first entry continues a `- ` already
 * written.
 */
function sequence(value: readonly unknown[], indent: number, inline: boolean, text: string): string {
  const dash = DASHES[indent] ?? `${' '.repeat(indent)}- `;
  let out = text;
  for (let i = 0; i < value.length; i++) {
    const item = value[i] === undefined ? null : value[i];
    out = entry(item, indent + 2, true, out + (i === 0 && inline ? '- ' : dash), '', '');
  }
  return out;
}

/**
 * `text` followed by the members `keys` of `value` in block style at `indent`; with `inline`, the first continues a `-
 * `.
 */
function mapping(
  value: Record<string, unknown>,
  keys: readonly string[],
  indent: number,
  inline: boolean,
  text: string,
): string {
  const pad = PADS[indent] ?? ' '.repeat(indent);
  let out = text;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // Sequences under a key are indented one level, as kubectl and the yaml library write them.
    out = entry(
      value[key],
      indent + 2,
      false,
      i === 0 && inline ? out + plainOrQuoted(key) : out + pad + plainOrQuoted(key),
      ':\n',
      ': ',
    );
  }
  return out;
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
const RESERVED =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|=|<<)$/;
/** Anything a YAML 1.1 or 1.2 parser may read as a number (incl. octal, hex, sexagesimal, infinities). */
const NUMBERISH =
  /^[-+]?(?:[0-9][0-9_:.]*(?:[eE][-+]?[0-9]+)?|\.[0-9._]*(?:[eE][-+]?[0-9]+)?|0[xXoObB][0-9a-fA-F_]+|\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
/**
 * What a lenient YAML 1.1 reader (the `yaml` library's) takes for a float: `E1`, `e-01`, `.e1`, every part optional.
 */
const LENIENT_FLOAT = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$/;
/** Dates and times a YAML 1.1 parser reads as timestamps (`2026-01-01`, `2026-1-1 10:00:00`). */
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt\s])/;
/** Characters a plain scalar may not start with. */
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

/**
 * Strings already written, with how they are written: manifests repeat their keys and most values,
 * and the quoting checks (a dozen patterns) were a quarter of the emitter's time.
 */
const written = new Map<string, string>();
/** Bound on `written`, so a long-lived process does not grow without limit. */
const WRITTEN_MAX = 200_000;

/** Longer strings are seldom repeated; remembering them would only take memory. */
const WRITTEN_LENGTH = 128;

function plainOrQuoted(s: string): string {
  if (s.length > WRITTEN_LENGTH) return quoteIfNeeded(s);
  let out = written.get(s);
  if (out === undefined) {
    if (written.size >= WRITTEN_MAX) written.clear();
    out = quoteIfNeeded(s);
    written.set(s, out);
  }
  return out;
}

function quoteIfNeeded(s: string): string {
  if (
    s.length === 0 ||
    INDICATOR_START.test(s) ||
    /\s$/.test(s) ||
    s.includes(': ') ||
    s.includes(' #') ||
    s.endsWith(':') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what YAML makes a writer quote
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s) ||
    RESERVED.test(s) ||
    NUMBERISH.test(s) ||
    LENIENT_FLOAT.test(s) ||
    TIMESTAMP.test(s)
  ) {
    return JSON.stringify(s);
  }
  return s;
}

/**
 * A literal block keeps the text exactly; it cannot hold control characters or lines with only-space prefixes that
 * would change indentation.
 */
function isBlockSafe(s: string): boolean {
  // A block of nothing but line breaks reads back as the empty string.
  if (/^\n*$/.test(s)) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a block scalar cannot hold control characters
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

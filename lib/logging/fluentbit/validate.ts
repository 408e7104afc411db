/**
 * A validator of generated Fluent Bit YAML configurations: known sections,
 * known plugins, the properties each plugin accepts and their value kinds,
 * multiline rules, environment variables, and routes that reach something.
 * It runs on every configuration the platform renders (and, through the
 * policy rule `fluent-bit-config`, on every committed one).
 */
import { parse } from 'yaml';
import { closest } from '../../spec/problems.ts';
import { multilineProblems, type MultilineParser } from '../multiline.ts';
import { writtenDocument } from './config.ts';
import { setBounded } from '../../util/bounded.ts';
import {
  BUILTIN_MULTILINE_PARSERS,
  COMMON_FILTER,
  COMMON_INPUT,
  COMMON_OUTPUT,
  FILTERS,
  INPUTS,
  MODIFY_ARITY,
  OUTPUTS,
  SERVICE,
  type PluginSpec,
  type PropertyTable,
  type ValueKind,
} from './plugins.ts';

/** One thing wrong with a configuration. */
export interface ConfigProblem {
  /** Where: `pipeline.outputs[1] (es).logstash_prefix`. */
  readonly where: string;
  readonly message: string;
}

/** Options of `validateFluentBitYaml`. */
export interface ValidateOptions {
  /** Environment variables the container provides; when given, every `${VAR}` must be one of them. */
  readonly env?: ReadonlySet<string>;
}

type Section = Record<string, unknown>;
type Kind = 'inputs' | 'filters' | 'outputs';

const TABLES: Record<Kind, { common: PropertyTable; plugins: Readonly<Record<string, PluginSpec>> }> = {
  inputs: { common: COMMON_INPUT, plugins: INPUTS },
  filters: { common: COMMON_FILTER, plugins: FILTERS },
  outputs: { common: COMMON_OUTPUT, plugins: OUTPUTS },
};

/**
 * Problems of a configuration given as YAML text; `[]` when it is valid. A text
 * this process just wrote is read from the document it was written from (the same
 * data, without a parse): the generator checks its own output this way.
 */
export function validateFluentBitYaml(text: string, options: ValidateOptions = {}): ConfigProblem[] {
  const doc = writtenDocument(text);
  if (doc !== undefined) return validateFluentBitDocument(doc, options);
  return validateFluentBitText(text, options);
}

/** Problems of a configuration given as YAML text, always read from the text itself: what a manifest holds. */
export function validateFluentBitText(text: string, options: ValidateOptions = {}): ConfigProblem[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return [{ where: '', message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` }];
  }
  return validateFluentBitDocument(doc, options);
}

/** Problems of a parsed configuration document. */
export function validateFluentBitDocument(doc: unknown, options: ValidateOptions = {}): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (where: string, message: string): void => {
    problems.push({ where, message });
  };
  if (!isMap(doc)) return [{ where: '', message: 'the configuration is not a YAML mapping' }];
  for (const key of Object.keys(doc)) {
    if (!['service', 'multiline_parsers', 'pipeline'].includes(key))
      add(key, `unknown top-level section; the platform writes only service, multiline_parsers and pipeline`);
  }
  checkEnvReferences(doc, '', options.env, add);

  const service = doc.service ?? {};
  if (!isMap(service)) add('service', 'is not a mapping');
  else checkProperties(service, SERVICE, {}, 'service', add);

  const parsers = checkMultilineParsers(doc.multiline_parsers, add);

  const pipeline = doc.pipeline;
  if (!isMap(pipeline)) {
    add('pipeline', 'is missing or not a mapping');
    return problems;
  }
  for (const key of Object.keys(pipeline)) {
    if (!['inputs', 'filters', 'outputs'].includes(key))
      add(`pipeline.${key}`, 'unknown section; use inputs, filters and outputs');
  }
  const sections: Record<Kind, Section[]> = { inputs: [], filters: [], outputs: [] };
  for (const kind of ['inputs', 'filters', 'outputs'] as const) {
    const list = pipeline[kind];
    if (list === undefined) {
      if (kind !== 'filters') add(`pipeline.${kind}`, 'is missing; a pipeline needs at least one');
      continue;
    }
    if (!Array.isArray(list)) {
      add(`pipeline.${kind}`, 'is not a list');
      continue;
    }
    list.forEach((item, i) => {
      const where = `pipeline.${kind}[${i}]`;
      if (!isMap(item)) {
        add(where, 'is not a mapping');
        return;
      }
      const normalized = lowerKeys(item);
      sections[kind].push(normalized);
      checkSection(kind, normalized, `${where} (${String(normalized.name)})`, add);
    });
  }
  checkSemantics(sections, parsers, isMap(service) ? lowerKeys(service) : {}, add);
  return problems;
}

function checkSection(
  kind: Kind,
  section: Section,
  where: string,
  add: (where: string, message: string) => void,
): void {
  const name = section.name;
  const { common, plugins } = TABLES[kind];
  if (typeof name !== 'string') {
    add(where, "has no plugin 'name'");
    return;
  }
  const plugin = plugins[name];
  if (!plugin) {
    const guess = closest(name, Object.keys(plugins));
    const hint = guess ? `; did you mean '${guess}'?` : `; known: ${Object.keys(plugins).join(', ')}`;
    add(where, `unknown ${kind.slice(0, -1)} plugin '${name}'${hint}`);
    return;
  }
  const { name: _name, ...rest } = section;
  if ('processors' in rest) add(`${where}.processors`, 'processors are not used by the platform');
  delete rest.processors;
  checkProperties(rest, propertiesOf(kind, name, common, plugin), plugin.prefixes ?? {}, where, add);
  for (const required of plugin.required ?? []) {
    if (section[required] === undefined) add(where, `'${required}' is required`);
  }
  if (kind !== 'inputs' && section.match === undefined && section.match_regex === undefined)
    add(where, "needs 'match' or 'match_regex', or it receives nothing");
}

/** The properties a plugin accepts: the common ones of its kind and its own; built once per plugin. */
const mergedTables = new Map<string, PropertyTable>();
function propertiesOf(kind: Kind, name: string, common: PropertyTable, plugin: PluginSpec): PropertyTable {
  const key = `${kind}/${name}`;
  let table = mergedTables.get(key);
  if (!table) {
    table = { ...common, ...plugin.properties };
    mergedTables.set(key, table);
  }
  return table;
}

function checkProperties(
  section: Section,
  table: PropertyTable,
  prefixes: Readonly<Record<string, RegExp>>,
  where: string,
  add: (where: string, message: string) => void,
): void {
  for (const [rawKey, value] of Object.entries(section)) {
    const key = rawKey.toLowerCase();
    const at = `${where}.${key}`;
    if (key.startsWith('net.') && table === COMMON_OUTPUT) continue;
    const kind = table[key];
    if (kind === undefined) {
      const prefix = Object.keys(prefixes).find((p) => key.startsWith(p));
      if (prefix) {
        if (!prefixes[prefix]!.test(key.slice(prefix.length))) add(at, `not a valid '${prefix}' property name`);
        if (typeof value !== 'string' && typeof value !== 'number') add(at, 'must be a single value');
        continue;
      }
      const guess = closest(key, Object.keys(table));
      add(at, `unknown property${guess ? `; did you mean '${guess}'?` : ''}`);
      continue;
    }
    checkValue(kind, value, at, add);
  }
}

const BOOL = /^(true|false|on|off|yes|no)$/i;
const INT = /^-?\d+$/;
const SIZE = /^\d+(\.\d+)?([kKmMgG][bB]?)?$/;
const TIME = /^\d+(\.\d+)?[smhd]?$/;
const ENV_ONLY = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

function checkValue(kind: ValueKind, value: unknown, at: string, add: (where: string, message: string) => void): void {
  if (Array.isArray(value)) {
    if (kind !== 'multi') {
      add(at, 'takes one value, not a list');
      return;
    }
    if (value.length === 0) {
      add(at, 'is an empty list');
      return;
    }
    for (const v of value) if (typeof v !== 'string') add(at, `list entry ${JSON.stringify(v)} is not a string`);
    return;
  }
  if (value === null || typeof value === 'object') {
    add(at, 'must be a scalar value');
    return;
  }
  const text = String(value);
  if (ENV_ONLY.test(text)) return;
  const ok = (re: RegExp): boolean => re.test(text);
  if (typeof kind === 'object') {
    if (!kind.oneOf.some((v) => v.toLowerCase() === text.toLowerCase()))
      add(at, `${JSON.stringify(text)} is not one of ${kind.oneOf.join(', ')}`);
    return;
  }
  switch (kind) {
    case 'bool':
      if (!ok(BOOL)) add(at, `${JSON.stringify(text)} is not a boolean (on, off, true, false)`);
      return;
    case 'int':
      if (!ok(INT)) add(at, `${JSON.stringify(text)} is not an integer`);
      return;
    case 'port':
      if (!ok(INT) || Number(text) < 1 || Number(text) > 65535) add(at, `${JSON.stringify(text)} is not a port number`);
      return;
    case 'size':
      if (!ok(SIZE)) add(at, `${JSON.stringify(text)} is not a unit size (like 512k, 8M, 1G)`);
      return;
    case 'time':
      if (!ok(TIME)) add(at, `${JSON.stringify(text)} is not a duration (seconds, or with s, m, h, d)`);
      return;
    case 'string':
    case 'list':
    case 'multi':
      if (text.trim() === '') add(at, 'is empty');
      return;
  }
}

function checkMultilineParsers(
  value: unknown,
  add: (where: string, message: string) => void,
): Map<string, MultilineParser> {
  const out = new Map<string, MultilineParser>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) {
    add('multiline_parsers', 'is not a list');
    return out;
  }
  value.forEach((raw, i) => {
    const where = `multiline_parsers[${i}]`;
    if (!isMap(raw)) {
      add(where, 'is not a mapping');
      return;
    }
    for (const key of Object.keys(raw)) {
      if (!['name', 'type', 'flush_timeout', 'rules'].includes(key))
        add(`${where}.${key}`, 'unknown property; the platform writes name, type, flush_timeout and rules');
    }
    if (typeof raw.name !== 'string' || raw.name === '') {
      add(where, "has no 'name'");
      return;
    }
    if (out.has(raw.name) || BUILTIN_MULTILINE_PARSERS.has(raw.name)) add(where, `name '${raw.name}' is already taken`);
    if (raw.type !== 'regex') add(`${where}.type`, `${JSON.stringify(raw.type)} is not 'regex'`);
    const flush = Number(raw.flush_timeout ?? 5000);
    if (!Number.isInteger(flush)) add(`${where}.flush_timeout`, 'is not a number of milliseconds');
    if (!Array.isArray(raw.rules) || raw.rules.length === 0) {
      add(`${where}.rules`, 'needs at least one rule');
      return;
    }
    const rules = raw.rules.map((r: unknown, j: number) => {
      if (!isMap(r) || typeof r.state !== 'string' || typeof r.regex !== 'string' || typeof r.next_state !== 'string') {
        add(`${where}.rules[${j}]`, 'needs state, regex and next_state, each a string');
        return { state: '', regex: '//', nextState: '' };
      }
      return { state: r.state, regex: r.regex, nextState: r.next_state };
    });
    const parser: MultilineParser = { name: raw.name, flushTimeoutMs: flush, rules };
    for (const message of multilineProblems(parser)) add(where, message);
    out.set(raw.name, parser);
  });
  return out;
}

/** Tags an input produces, with `*` standing for the expanded part. */
function inputTags(input: Section, index: number): { tag: string; dynamic: boolean } {
  const tag = typeof input.tag === 'string' ? input.tag : `${String(input.name)}.${index}`;
  return { tag, dynamic: input.name === 'forward' };
}

/** Fluent Bit's tag match: `*` matches any run of characters. */
export function tagMatches(pattern: string, tag: string): boolean {
  let re = tagPatterns.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    setBounded(tagPatterns, pattern, re, TAG_PATTERNS_KEPT);
  }
  return re.test(tag);
}

/** Compiled `match` patterns: every collector uses the same few. */
const tagPatterns = new Map<string, RegExp>();
const TAG_PATTERNS_KEPT = 1000;

function checkSemantics(
  sections: Record<Kind, Section[]>,
  parsers: ReadonlyMap<string, MultilineParser>,
  service: Section,
  add: (where: string, message: string) => void,
): void {
  const tags = sections.inputs.map((input, i) => inputTags(input, i));
  // A tail tag's `*` becomes the file path with '/' as '.', so sample it with a path.
  const samples = tags.map((t) => t.tag.replace('*', 'var.log.sample.log'));
  const dynamic = tags.some((t) => t.dynamic);
  const aliases = new Set<string>();
  for (const kind of ['inputs', 'filters', 'outputs'] as const) {
    sections[kind].forEach((s, i) => {
      const where = `pipeline.${kind}[${i}] (${String(s.name)})`;
      if (typeof s.alias === 'string') {
        if (aliases.has(s.alias)) add(where, `alias '${s.alias}' is used twice`);
        aliases.add(s.alias);
      }
      if (kind !== 'inputs' && !dynamic) {
        const reaches =
          typeof s.match === 'string'
            ? samples.some((t) => tagMatches(s.match as string, t))
            : typeof s.match_regex === 'string'
              ? samples.some((t) => new RegExp(s.match_regex as string).test(t))
              : true;
        if (!reaches) add(where, `matches the tag of no input (${tags.map((t) => t.tag).join(', ')})`);
      }
    });
  }
  sections.inputs.forEach((s, i) => {
    const where = `pipeline.inputs[${i}] (${String(s.name)})`;
    if (String(s['storage.type'] ?? '').toLowerCase() === 'filesystem' && service['storage.path'] === undefined) {
      add(where, "uses filesystem storage but service 'storage.path' is not set");
    }
    if (s.name === 'tail') {
      for (const path of String(s.path ?? '')
        .split(',')
        .map((p) => p.trim())) {
        if (path && !path.startsWith('/')) add(`${where}.path`, `'${path}' is not an absolute path`);
      }
      if (typeof s.db === 'string' && !s.db.startsWith('/')) add(`${where}.db`, `'${s.db}' is not an absolute path`);
      for (const name of String(s['multiline.parser'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        if (!parsers.has(name) && !BUILTIN_MULTILINE_PARSERS.has(name))
          add(`${where}.multiline.parser`, `'${name}' is neither defined in multiline_parsers nor built in`);
      }
    }
  });
  sections.filters.forEach((s, i) => {
    const where = `pipeline.filters[${i}] (${String(s.name)})`;
    if (s.name === 'modify') {
      for (const [rule, arity] of Object.entries(MODIFY_ARITY)) {
        for (const entry of asList(s[rule])) {
          const words = entry.trim().split(/\s+/);
          if (words.length !== arity)
            add(`${where}.${rule}`, `'${entry}' needs ${arity === 1 ? 'a key' : 'a key and a value'}`);
        }
      }
    }
    if (s.name === 'record_modifier') {
      for (const entry of asList(s.record)) {
        if (entry.trim().split(/\s+/).length < 2) add(`${where}.record`, `'${entry}' needs a key and a value`);
      }
      if (s.allowlist_key !== undefined && s.remove_key !== undefined)
        add(where, 'allowlist_key and remove_key exclude each other');
    }
    if (s.name === 'nest') {
      const op = String(s.operation ?? '').toLowerCase();
      if (op === 'lift' && s.nested_under === undefined) add(where, "operation 'lift' needs 'nested_under'");
      if (op === 'nest' && (s.wildcard === undefined || s.nest_under === undefined))
        add(where, "operation 'nest' needs 'wildcard' and 'nest_under'");
    }
    if (s.name === 'kubernetes') {
      const prefix = typeof s.kube_tag_prefix === 'string' ? s.kube_tag_prefix : 'kube.var.log.containers.';
      const tailTags = sections.inputs
        .filter((input) => input.name === 'tail')
        .map((input) => {
          const tag = String(input.tag ?? '');
          const firstPath = String(input.path ?? '')
            .split(',')[0]!
            .trim();
          return tag.replace('*', firstPath.replace(/^\//, '').replace(/\//g, '.'));
        });
      if (!tailTags.some((t) => t.startsWith(prefix)))
        add(
          `${where}.kube_tag_prefix`,
          `'${prefix}' starts no tail input's tag (${tailTags.join(', ') || 'no tail input'})`,
        );
    }
  });
}

function checkEnvReferences(
  value: unknown,
  where: string,
  env: ReadonlySet<string> | undefined,
  add: (where: string, message: string) => void,
): void {
  if (typeof value === 'string') {
    if (!value.includes('${')) return;
    const opened = value.split('${').length - 1;
    const refs = [...value.matchAll(/\$\{([^}]*)\}/g)];
    if (refs.length !== opened) add(where, `unclosed \${...} in ${JSON.stringify(value)}`);
    for (const ref of refs) {
      const name = ref[1]!;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) add(where, `'\${${name}}' is not an environment variable reference`);
      else if (env && !env.has(name)) add(where, `uses \${${name}}, which the container does not set`);
    }
    return;
  }
  // A child's path is only spelled out when the child can hold a reference.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      if (mayReference(value[i])) checkEnvReferences(value[i], `${where}[${i}]`, env, add);
  } else if (isMap(value)) {
    for (const k in value)
      if (mayReference(value[k])) checkEnvReferences(value[k], where ? `${where}.${k}` : k, env, add);
  }
}

function mayReference(value: unknown): boolean {
  return typeof value === 'string' ? value.includes('${') : value !== null && typeof value === 'object';
}

function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function lowerKeys(section: Section): Section {
  return Object.fromEntries(Object.entries(section).map(([k, v]) => [k.toLowerCase(), v]));
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One problem per line, for reports. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.where ? `${p.where}: ` : ''}${p.message}`).join('\n');
}

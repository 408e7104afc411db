/**
 * The Fluent Bit configuration, YAML format: `service`, `multiline_parsers`
 * and `pipeline` → `inputs` / `filters` / `outputs`. Configurations are built
 * as data here and written as text once, so the same data is validated and shipped.
 */
import { stringify } from 'yaml';
import { setBounded } from '../../util/bounded.ts';
import type { MultilineParser } from '../multiline.ts';
import { cmp } from '../../util/compare.ts';

/** A value of a plugin property; a list stands for a property given several times. */
export type PropertyValue = string | number | readonly string[];

/** One input, filter or output: its plugin `name` and properties (lowercase keys). */
export interface PluginSection {
  readonly name: string;
  readonly [property: string]: PropertyValue;
}

/** A whole Fluent Bit configuration. */
export interface FluentBitConfig {
  /** The `service` section (lowercase keys). */
  readonly service: Readonly<Record<string, string | number>>;
  /** Custom multiline parsers. */
  readonly multilineParsers?: readonly MultilineParser[];
  readonly inputs: readonly PluginSection[];
  readonly filters?: readonly PluginSection[];
  readonly outputs: readonly PluginSection[];
}

/**
 * Key of the configuration file in its ConfigMap; the policy rule `fluent-bit-config` checks every ConfigMap holding
 * it.
 */
export const FLUENT_BIT_CONFIG_KEY = 'fluent-bit.yaml';
/** Folder the configuration ConfigMap is mounted at in every Fluent Bit container. */
export const FLUENT_BIT_CONFIG_DIR = '/fluent-bit/etc/platform';
/** Port of Fluent Bit's built-in HTTP server (metrics and health). */
export const FLUENT_BIT_HTTP_PORT = 2020;
/** Port of the forward protocol, on which the aggregator listens. */
export const FORWARD_PORT = 24224;

/** Arguments that start Fluent Bit on the platform's configuration file. */
export function fluentBitArgs(): string[] {
  return ['--config', `${FLUENT_BIT_CONFIG_DIR}/${FLUENT_BIT_CONFIG_KEY}`];
}

/** `name` first, then the other properties in key order: stable text for stable diffs. */
function section(s: PluginSection): Record<string, PropertyValue> {
  const { name, ...rest } = s;
  const out: Record<string, PropertyValue> = { name };
  for (const key of Object.keys(rest).sort()) out[key] = rest[key]!;
  return out;
}

/** The configuration as the YAML document Fluent Bit reads: sections in a fixed order, properties sorted. */
function fluentBitDocument(config: FluentBitConfig): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    service: Object.fromEntries(Object.entries(config.service).sort(([a], [b]) => cmp(a, b))),
  };
  if (config.multilineParsers && config.multilineParsers.length > 0) {
    doc.multiline_parsers = config.multilineParsers.map((p) => ({
      name: p.name,
      type: 'regex',
      flush_timeout: p.flushTimeoutMs,
      rules: p.rules.map((r) => ({ state: r.state, regex: r.regex, next_state: r.nextState })),
    }));
  }
  const pipeline: Record<string, unknown> = { inputs: config.inputs.map(section) };
  if (config.filters && config.filters.length > 0) pipeline.filters = config.filters.map(section);
  pipeline.outputs = config.outputs.map(section);
  doc.pipeline = pipeline;
  return doc;
}

/**
 * The texts written last, with the document each was written from. The
 * validator reads a text it finds here from its document instead of parsing it
 * again: a render writes a configuration, then checks it twice (as it builds
 * the collector, and in the policy rule on the ConfigMap). A text this process
 * did not just write (one read from disk by `validate`) is parsed.
 */
const written = new Map<string, Readonly<Record<string, unknown>>>();
/** Enough for the configurations of one app render; the oldest go first. */
const WRITTEN_KEPT = 64;

/** The document `text` was written from by `toFluentBitYaml` in this process, if it is one of the last written. */
export function writtenDocument(text: string): Readonly<Record<string, unknown>> | undefined {
  return written.get(text);
}

/** Records that `text` is `doc` written as Fluent Bit YAML (see `writtenDocument`). */
function rememberWritten(text: string, doc: Record<string, unknown>): void {
  if (!written.has(text)) setBounded(written, text, deepFreeze(doc), WRITTEN_KEPT);
}

/** The configuration as Fluent Bit YAML text. */
export function toFluentBitYaml(config: FluentBitConfig, header?: string): string {
  const doc = fluentBitDocument(config);
  const head = header
    ? header
        .split('\n')
        .map((l) => `# ${l}`.trimEnd())
        .join('\n') + '\n'
    : '';
  const text = head + stringify(doc, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
  rememberWritten(text, doc);
  return text;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

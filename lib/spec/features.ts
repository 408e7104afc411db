/**
 * Platform feature flags: a change to the platform (`lib/`) that alters what is
 * rendered lands behind a flag, and climbs the promotion chain as data.
 *
 * Flags are environment data in the machine-edited `environments/<env>/features.json`
 * (`{ "tmp-512": true }`; a missing file turns every flag off), so that `promote`
 * can edit it and the release-order gate can read a pull request's flags as JSON,
 * never evaluating its code. The loader puts the flags in effect on
 * `EnvironmentSpec.features`; the render reads that fact, never an environment name.
 *
 * A flag on in every environment is retired: its entry moves from `FEATURE_FLAGS`
 * to `RETIRED_FEATURES` and its entries leave the features files. The loader puts a
 * retired flag in effect everywhere, so its behaviour is the default, the render
 * stays byte-identical and the retiring pull request changes no manifest. The code
 * that asks `featureOn` about it may drop the question later (again no manifest
 * change, which `synth --check` proves).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentSpec } from './environment.ts';
import { type ProblemSink, closest } from './problems.ts';
import { cmp } from '../util/compare.ts';

/** A flag the platform knows: what it changes where it is on. */
export interface FeatureFlag {
  /** One line on what the flag turns on. */
  readonly description: string;
  /** The rendered fields it changes, for reviewers of the promotion. */
  readonly changes: string;
}

/** A flag that was on everywhere and is now the platform's default. */
export interface RetiredFeature {
  /** What became the default, and when. */
  readonly note: string;
}

/** The flags the platform knows, by name. Add a flag here, read it with `featureOn` where it gates behaviour. */
export const FEATURE_FLAGS = {
  'tmp-512': {
    description: 'the writable /tmp volume of every app pod holds 512 MiB instead of 256 MiB',
    changes: 'the sizeLimit of the `tmp` emptyDir volume of each app workload',
  },
} as const satisfies Record<string, FeatureFlag>;

/**
 * Flags that were retired: their behaviour is the default everywhere (`featureOn` is true for them in every
 * environment). A retired name stays here for good, so that an environment still naming it gets a clear error,
 * and older revisions (judged by `release-order`) still load. Retiring a flag is moving its entry here.
 */
export const RETIRED_FEATURES = {} as const satisfies Record<string, RetiredFeature>;

/** Name of a flag the code may ask about: known, or retired (then always on). */
export type FeatureName = keyof typeof FEATURE_FLAGS | keyof typeof RETIRED_FEATURES;

/** The flags known and retired: what a features file is checked against. */
export interface FeatureRegistry {
  readonly flags: Readonly<Record<string, FeatureFlag>>;
  readonly retired: Readonly<Record<string, RetiredFeature>>;
}

/** The platform's registry. */
export const FEATURE_REGISTRY: FeatureRegistry = { flags: FEATURE_FLAGS, retired: RETIRED_FEATURES };

/** Name of the machine-edited file holding an environment's flags. */
export const FEATURES_FILE = 'features.json';

/** Repository-relative path of an environment's features file. */
export function featuresPath(env: string): string {
  return `environments/${env}/${FEATURES_FILE}`;
}

/** Whether `flag` is in effect in `env`: on in its features file, or retired (the default everywhere). */
export function featureOn(env: EnvironmentSpec, flag: FeatureName): boolean {
  return env.features?.[flag] === true;
}

/** Options of `parseFeatures`. */
export interface ParseFeaturesOptions {
  /**
   * Read an older revision: a retired flag is a deprecation warning, not an error, since history must keep loading.
   * @default false
   */
  readonly legacy?: boolean;
  /**
   * The flags known and retired.
   * @default FEATURE_REGISTRY
   */
  readonly registry?: FeatureRegistry;
}

/**
 * The flags a features file turns on (`flag → true`, sorted), checked as data: the text is JSON, an object of
 * flag → boolean, naming only known flags. Each problem is reported to `sink` with the file, the flag and the fix;
 * `undefined` when the file is not a JSON object. Nothing in the text is evaluated.
 */
export function parseFeatures(
  text: string,
  file: string,
  sink: ProblemSink,
  options: ParseFeaturesOptions = {},
): Record<string, true> | undefined {
  const registry = options.registry ?? FEATURE_REGISTRY;
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    sink.addFile(
      file,
      `is not valid JSON: ${(error as Error).message}`,
      `restore it (it is machine-edited): git checkout -- ${file}; turn flags on with npm run -s promote -- --feature <flag> --to <env>`,
    );
    return undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    sink.add(file, '', data, 'is not a JSON object of flag → true/false', 'write it as { "tmp-512": true }, or {}');
    return undefined;
  }
  const known = Object.keys(registry.flags).sort(cmp);
  const on: Record<string, true> = {};
  for (const [flag, value] of Object.entries(data as Record<string, unknown>).sort(([a], [b]) => cmp(a, b))) {
    const retired = registry.retired[flag];
    if (retired) {
      const message = `names retired flag '${flag}', which is the default everywhere now (${retired.note})`;
      const fix = `remove "${flag}" from ${file}; its behaviour needs no flag any more`;
      if (options.legacy) {
        process.emitWarning(`${file}: ${message}. ${fix}`, {
          type: 'DeprecationWarning',
          code: 'PLATFORM_RETIRED_FEATURE',
        });
      } else {
        sink.add(file, flag, value, message, fix);
      }
      continue;
    }
    if (!Object.hasOwn(registry.flags, flag)) {
      const guess = closest(flag, known);
      sink.add(
        file,
        flag,
        value,
        'unknown platform flag',
        guess
          ? `did you mean '${guess}'? Rename it`
          : `remove it; the flags the platform knows are: ${known.join(', ') || '(none)'} (lib/spec/features.ts)`,
      );
      continue;
    }
    if (typeof value !== 'boolean') {
      sink.add(file, flag, value, 'a flag is true (on) or false (off)', `write "${flag}": true, or remove it`);
      continue;
    }
    if (value) on[flag] = true;
  }
  return on;
}

/**
 * The flags in effect: those `on` turns on, and every retired flag (its behaviour is the default), sorted.
 */
export function flagsInEffect(
  on: Readonly<Record<string, true>>,
  registry: FeatureRegistry = FEATURE_REGISTRY,
): Record<string, true> {
  const out: Record<string, true> = {};
  for (const flag of [...Object.keys(on), ...Object.keys(registry.retired)].sort(cmp)) out[flag] = true;
  return out;
}

/**
 * `spec` with the flags of `environments/<folder>/features.json` under `root` in effect on `features` (no field
 * when none is), checked; problems go to `sink`. A missing file turns every flag off. `undefined` when `spec` is.
 * With `legacy` (an older revision) a retired flag is a deprecation warning instead of an error; `registry` holds
 * the flags known and retired.
 */
export function withFeatures(
  root: string,
  folder: string,
  spec: EnvironmentSpec | undefined,
  sink: ProblemSink,
  legacy = false,
  registry: FeatureRegistry = FEATURE_REGISTRY,
): EnvironmentSpec | undefined {
  if (!spec) return undefined;
  const file = featuresPath(folder);
  const absolute = join(root, file);
  const text = existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
  const on = text === undefined ? {} : (parseFeatures(text, file, sink, { legacy, registry }) ?? {});
  const features = flagsInEffect(on, registry);
  return Object.keys(features).length === 0 ? spec : { ...spec, features };
}

/** The canonical text of a features file: the flags that are on, keys sorted, two-space indent, final newline. */
export function formatFeatures(on: Readonly<Record<string, boolean>>): string {
  const sorted: Record<string, true> = {};
  for (const flag of Object.keys(on).sort(cmp)) if (on[flag] === true) sorted[flag] = true;
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

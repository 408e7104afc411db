/**
 * Policy rule `fluent-bit-config`: every Fluent Bit configuration in a
 * ConfigMap passes the validator, also when a manifest was edited by hand.
 *
 * The rule reads each configuration from the manifest itself; it never asks
 * what the render wrote. Configurations of many apps differ only in the app's
 * and the environment's names (the ConfigMap's own labels), so the rule judges
 * the shape of a configuration, those names replaced by stand-ins, once, and
 * keeps its own verdict on the shape. A shape that fails is judged again with
 * the real names, so problems are reported as the manifest holds them.
 */
import type { KubeObject } from '../../kube/object.ts';
import type { Finding, Rule } from '../../kube/rule.ts';
import { setBounded } from '../../util/bounded.ts';
import { LABELS } from '../../workload/labels.ts';
import { FLUENT_BIT_CONFIG_KEY } from './config.ts';
import { validateFluentBitText, type ConfigProblem } from './validate.ts';

/**
 * Stand-ins for the app's and the environment's names in a shape: plain names as
 * long as a DNS label may be, so a name in their place is never longer.
 */
const APP_STAND_IN = 'fluent-bit-config-rule-app'.padEnd(63, '0');
const ENV_STAND_IN = 'fluent-bit-config-rule-env'.padEnd(63, '0');
/**
 * A name that reads as a plain string wherever it stands in YAML: lower-case
 * letters, digits and '-', starting with a letter, at most 63 characters, and
 * no word YAML reads as a boolean or null.
 */
const PLAIN_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const YAML_WORDS: ReadonlySet<string> = new Set(['null', 'true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n']);
/** Verdicts on shapes: whether the shape passed the validator. */
const verdicts = new Map<string, boolean>();
const VERDICTS_KEPT = 256;

function plainName(name: string | undefined): name is string {
  return name !== undefined && PLAIN_NAME.test(name) && !YAML_WORDS.has(name);
}

/**
 * The shape of `text`: the names of `object`'s app and environment replaced by the
 * stand-ins; `undefined` when the names are not plain or the replacement cannot be undone.
 */
function shapeOf(text: string, object: KubeObject): string | undefined {
  const app = object.metadata.labels?.[LABELS.name];
  const env = object.metadata.labels?.[LABELS.environment];
  if (!plainName(app) || !plainName(env) || app === env) return undefined;
  if (text.includes(APP_STAND_IN) || text.includes(ENV_STAND_IN)) return undefined;
  const shape = text.replaceAll(app, APP_STAND_IN).replaceAll(env, ENV_STAND_IN);
  return shape.replaceAll(ENV_STAND_IN, env).replaceAll(APP_STAND_IN, app) === text ? shape : undefined;
}

/** Problems of the configuration `text` of `object`, through the verdict on its shape. */
function problemsOf(text: string, object: KubeObject): ConfigProblem[] {
  const shape = shapeOf(text, object);
  if (shape === undefined) return validateFluentBitText(text);
  let passed = verdicts.get(shape);
  if (passed === undefined) {
    passed = validateFluentBitText(shape).length === 0;
    setBounded(verdicts, shape, passed, VERDICTS_KEPT);
  }
  return passed ? [] : validateFluentBitText(text);
}

/** The rule, registered by the logging feature (`lib/logging/feature.ts`). */
export const fluentBitConfigRule: Rule = {
  id: 'fluent-bit-config',
  description:
    `Fluent Bit configurations (ConfigMap key ${FLUENT_BIT_CONFIG_KEY}) use known plugins and properties ` +
    'with valid values',
  exceptable: false,
  check(object: KubeObject): Finding[] {
    if (object.kind !== 'ConfigMap') return [];
    const text = (object.data as Record<string, unknown> | undefined)?.[FLUENT_BIT_CONFIG_KEY];
    if (typeof text !== 'string') return [];
    return problemsOf(text, object).map((p) => ({
      message: `${FLUENT_BIT_CONFIG_KEY}: ${p.where ? `${p.where}: ` : ''}${p.message}`,
      fix: 'render it with `npm run synth`; if the generator is at fault, fix lib/logging/',
    }));
  },
};

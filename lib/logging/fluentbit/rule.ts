/**
 * Policy rule `fluent-bit-config`: every Fluent Bit configuration in a
 * ConfigMap passes the validator, also when a manifest was edited by hand.
 */
import type { KubeObject } from '../../kube/object.ts';
import { FLUENT_BIT_CONFIG_KEY } from './config.ts';
import { validateFluentBitYaml } from './validate.ts';

/** The rule, in the shape of `lib/validate/policy.ts`' rules. */
export const fluentBitConfigRule = {
  id: 'fluent-bit-config',
  description: `Fluent Bit configurations (ConfigMap key ${FLUENT_BIT_CONFIG_KEY}) use known plugins and properties with valid values`,
  exceptable: false,
  check(object: KubeObject): { message: string; fix: string }[] {
    if (object.kind !== 'ConfigMap') return [];
    const text = (object.data as Record<string, unknown> | undefined)?.[FLUENT_BIT_CONFIG_KEY];
    if (typeof text !== 'string') return [];
    return validateFluentBitYaml(text).map((p) => ({
      message: `${FLUENT_BIT_CONFIG_KEY}: ${p.where ? `${p.where}: ` : ''}${p.message}`,
      fix: 'render it with `npm run synth`; if the generator is at fault, fix lib/logging/',
    }));
  },
};

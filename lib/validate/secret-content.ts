/**
 * Policy rule `no-secret-content`: no rendered ConfigMap holds a secret, judged by content
 * (`lib/spec/secrets.ts`), also when a manifest was edited by hand. Entries the app spec lists
 * in `notSecrets` are named, with their reasons, in the ConfigMap's annotation
 * `platform.insure.example/not-secrets` and skipped; nothing else is.
 */
import type { KubeObject } from '../kube/object.ts';
import { findSecrets } from '../spec/secrets.ts';
import { ANNOTATIONS } from '../workload/labels.ts';

/** Keys a ConfigMap's `not-secrets` annotation lists with a reason (`<key>: <reason>` lines). */
export function notSecretKeys(object: KubeObject): Set<string> {
  const text = object.metadata?.annotations?.[ANNOTATIONS.notSecrets];
  const keys = new Set<string>();
  for (const line of String(text ?? '').split('\n')) {
    const m = /^([-._a-zA-Z0-9]+):\s*(\S.*)$/.exec(line.trim());
    if (m) keys.add(m[1]!);
  }
  return keys;
}

/** The rule, in the shape of `lib/validate/policy.ts`' rules. */
export const secretContentRule = {
  id: 'no-secret-content',
  description: 'no ConfigMap entry holds a secret (cloud keys, private keys, JWTs, tokens, passwords in URLs)',
  exceptable: false,
  check(object: KubeObject): { message: string; fix: string }[] {
    if (object.kind !== 'ConfigMap') return [];
    const data = (object.data ?? {}) as Record<string, unknown>;
    const allowed = notSecretKeys(object);
    const out: { message: string; fix: string }[] = [];
    for (const key of Object.keys(data).sort()) {
      const value = data[key];
      if (typeof value !== 'string' || allowed.has(key)) continue;
      for (const m of findSecrets(value, key)) {
        out.push({
          message: `entry '${key}' holds ${m.what}`,
          fix:
            'move it to a Secret and reference it with secretRef(); ' +
            "if it is no secret, list it in the app's notSecrets with the reason",
        });
      }
    }
    return out;
  },
};

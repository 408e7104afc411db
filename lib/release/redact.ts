/**
 * Redaction: values that look secret never reach a release order, in any
 * format. Secret data and annotations, env vars named like passwords, tokens or keys,
 * ConfigMap entries so named, `key=value` settings so named inside config
 * files, and passwords in URLs are replaced by `REDACTED`; so is every
 * secret the content rules of `lib/spec/secrets.ts` find (cloud keys,
 * private key blocks, JWTs, forge tokens) wherever it stands. References to
 * Secrets (`secretKeyRef`) are names, not values, and stay visible.
 */
import type { FieldChange, PathSegment } from './diff.ts';
import { redactSecrets } from '../spec/secrets.ts';

/** What a redacted value is shown as. */
export const REDACTED = '<redacted>';

/** Names of env vars and config keys whose values are secret. */
const SECRET_NAME =
  /pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential|auth|(^|[-_.])key$|dsn|connection[-_]?string/i;

/** Settings inside config text whose values are secret (`db.password=…`, `api_token: …`). */
const SECRET_SETTING =
  /([\w.-]*(?:password|passwd|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential)[\w.-]*["']?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;&]+)/gi;

/** Credentials in URLs: `scheme://user:password@host`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@/\s]+)(@)/gi;

/** Whether an env var or config key named `name` holds a secret. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The change with secret values of an object of kind `kind` redacted. */
export function redactChange(kind: string, change: FieldChange): FieldChange {
  const out: { -readonly [K in keyof FieldChange]: FieldChange[K] } = { ...change };
  if ('before' in change) out.before = redactValue(kind, change.segments, change.before);
  if ('after' in change) out.after = redactValue(kind, change.segments, change.after);
  return out;
}

/** `value`, found at `path` in an object of kind `kind`, with every secret in it redacted. */
export function redactValue(kind: string, path: readonly PathSegment[], value: unknown): unknown {
  if (Array.isArray(value)) {
    const parent = lastKey(path);
    return value.map((item, i) => {
      const name = parent === 'env' && isMap(item) && typeof item.name === 'string' ? item.name : String(i);
      return redactValue(kind, [...path, { item: name }], item);
    });
  }
  if (isMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(kind, [...path, { key: k }], v)]));
  }
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (isSecretPlace(kind, path)) return REDACTED;
  return typeof value === 'string' ? redactText(value) : value;
}

/** Text with secrets found by content, secret settings and URL passwords redacted. */
export function redactText(text: string): string {
  return redactSecrets(text, REDACTED)
    .replace(SECRET_SETTING, `$1${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}$3`);
}

function isSecretPlace(kind: string, path: readonly PathSegment[]): boolean {
  const first = path[0] && 'key' in path[0] ? path[0].key : undefined;
  if (kind === 'Secret' && (first === 'data' || first === 'stringData') && path.length >= 2) return true;
  // Annotations of a Secret can carry its data (kubectl's last-applied-configuration).
  if (
    kind === 'Secret' &&
    first === 'metadata' &&
    path[1] &&
    'key' in path[1] &&
    path[1].key === 'annotations' &&
    path.length >= 3
  )
    return true;
  if (kind === 'ConfigMap' && (first === 'data' || first === 'binaryData')) {
    const entry = path[1];
    if (entry && 'key' in entry && looksSecret(entry.key)) return true;
  }
  for (let i = 0; i + 2 < path.length; i++) {
    const [list, item, field] = [path[i]!, path[i + 1]!, path[i + 2]!];
    if (
      'key' in list &&
      list.key === 'env' &&
      'item' in item &&
      looksSecret(item.item) &&
      'key' in field &&
      field.key === 'value'
    )
      return true;
  }
  return false;
}

function lastKey(path: readonly PathSegment[]): string | undefined {
  const last = path[path.length - 1];
  return last && 'key' in last ? last.key : undefined;
}

function isMap(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Secrets by content: the one set of rules that tells a secret value from an
 * ordinary one by what it looks like (cloud keys, private key blocks, JWTs,
 * forge tokens, passwords in URLs, random-looking values under secret-like
 * names). The spec checks, the ConfigMap policy rule and the release order's
 * redaction all use these rules, so what one catches the others catch too.
 */

/** One secret found in a value. */
export interface SecretMatch {
  /** Stable id of the rule that matched (`aws-access-key`, `private-key`, `jwt`, …). */
  readonly rule: string;
  /** What was found, for messages (never the value itself). */
  readonly what: string;
  /** Offset of the secret in the text. */
  readonly start: number;
  /** Offset just after the secret. */
  readonly end: number;
}

/** A content rule: a pattern whose whole match (or group `secret`) is the secret. */
interface ContentRule {
  readonly id: string;
  readonly what: string;
  readonly pattern: RegExp;
}

/** Header and footer of a private key block (PKCS#1, PKCS#8, EC, OpenSSH, PGP). */
const PEM_BEGIN = '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----';
const PEM_END = '-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----';

/** Content rules, each a global pattern. */
const RULES: readonly ContentRule[] = [
  {
    id: 'private-key',
    what: 'a private key block',
    // The whole block, or everything after an unterminated header.
    pattern: new RegExp(`${PEM_BEGIN}(?:[\\s\\S]*?${PEM_END}|[\\s\\S]*$)`, 'g'),
  },
  {
    id: 'aws-access-key',
    what: 'an AWS access key id',
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
  },
  {
    id: 'aws-secret-key',
    what: 'an AWS secret access key',
    pattern: /aws_?secret_?access_?key["']?[ \t]{0,8}[:=][ \t]{0,8}["']?(?<secret>[A-Za-z0-9/+=]{40})(?![\w/+=])/dgi,
  },
  { id: 'gcp-api-key', what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  {
    id: 'azure-account-key',
    what: 'an Azure storage account key',
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{40,}={0,2})/dg,
  },
  { id: 'jwt', what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    id: 'github-token',
    what: 'a GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g,
  },
  { id: 'gitlab-token', what: 'a GitLab token', pattern: /\bgl(?:pat|dt|rt|cbt|ptt|oas)-[A-Za-z0-9_-]{20,}/g },
  { id: 'slack-token', what: 'a Slack token', pattern: /\bxox[abeprs]-[A-Za-z0-9-]{10,}/g },
  { id: 'stripe-key', what: 'a Stripe secret key', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/g },
  {
    id: 'url-credentials',
    what: 'a password in a URL',
    // A reference the container fills in at start (`$(DB_PASSWORD)`, `${DB_PASSWORD}`) is no secret.
    // Quantifiers are bounded, so that a long value without '@' costs linear time.
    pattern: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^:/@\s"']{1,256}:(?<secret>(?![$][({])[^@/\s"']{1,512})@/dgi,
  },
];

/** Names under which a value is a secret: env vars, config keys, settings in config files. */
export const SECRET_NAME =
  /pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential/i;

/** `name = value` or `name: value` settings inside config text. */
const SETTING = /(?<![\w.-])(?<name>[\w.-]{1,128})["']?[ \t]*[:=][ \t]*(?<value>"[^"\n]*"|'[^'\n]*'|[^\s,;&]+)/dg;

/** Shortest value under a secret-like name that counts as random-looking. */
const MIN_RANDOM_LENGTH = 16;
/** Bits of Shannon entropy per character above which a value counts as random-looking. */
const MIN_ENTROPY = 3.5;

/** Shannon entropy of `text`, in bits per character. */
export function entropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Whether `value` looks random enough to be a key or password (long, no spaces, high entropy, no reference). */
export function looksRandom(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '');
  return v.length >= MIN_RANDOM_LENGTH && !/\s/.test(v) && !/^[$][({]/.test(v) && entropy(v) >= MIN_ENTROPY;
}

/**
 * Every secret in `text`, by content alone; `name` (an env var or config key) adds the
 * rule `random-under-secret-name` for a random-looking value under a secret-like name.
 * Overlapping matches are merged, first rule first.
 */
export function findSecrets(text: string, name?: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const rule of RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const [start, end] = m.indices?.groups?.secret ?? [m.index, m.index + m[0].length];
      found.push({ rule: rule.id, what: rule.what, start, end });
    }
  }
  if (name !== undefined && SECRET_NAME.test(name) && looksRandom(text)) {
    const what = `a random-looking value under the secret-like name '${name}'`;
    found.push({ rule: 'random-under-secret-name', what, start: 0, end: text.length });
  }
  for (const m of text.matchAll(SETTING)) {
    const key = m.groups!.name!;
    const value = m.groups!.value!;
    if (!SECRET_NAME.test(key) || !looksRandom(value)) continue;
    const [start, end] = m.indices!.groups!.value!;
    const what = `a random-looking value of the setting '${key}'`;
    found.push({ rule: 'random-under-secret-name', what, start, end });
  }
  return merge(found);
}

/** Matches sorted by start, overlapping ones dropped (the earlier or longer one stays). */
function merge(matches: SecretMatch[]): SecretMatch[] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SecretMatch[] = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (last && m.start < last.end) continue;
    out.push(m);
  }
  return out;
}

/** `text` with every secret `findSecrets` finds replaced by `replacement`. */
export function redactSecrets(text: string, replacement: string, name?: string): string {
  const matches = findSecrets(text, name);
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + replacement;
    at = m.end;
  }
  return out + text.slice(at);
}

/** Ids of the content rules, for the allow list's checks. */
export const SECRET_RULE_IDS: readonly string[] = [...RULES.map((r) => r.id), 'random-under-secret-name'];

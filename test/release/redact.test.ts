import { describe, expect, it } from 'vitest';
import { REDACTED, looksSecret, redactText, redactValue } from '../../lib/release/redact.ts';

describe('redaction', () => {
  it('GIVEN an env list with a token and a plain setting WHEN redacted THEN only the token value is hidden; Secret references stay', () => {
    const env = [
      { name: 'PARTNER_API_TOKEN', value: 'tok-123' },
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'claims-db', key: 'password' } } },
    ];
    expect(redactValue('Deployment', [{ key: 'spec' }, { key: 'env' }], env)).toEqual([
      { name: 'PARTNER_API_TOKEN', value: REDACTED },
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'claims-db', key: 'password' } } },
    ]);
  });

  it('GIVEN Secret data WHEN redacted THEN every value is hidden and the keys stay', () => {
    expect(redactValue('Secret', [{ key: 'data' }], { password: 'aHVudGVyMg==', user: 'YWRtaW4=' })).toEqual({
      password: REDACTED,
      user: REDACTED,
    });
    expect(redactValue('Secret', [{ key: 'stringData' }, { key: 'user' }], 'admin')).toBe(REDACTED);
    const applied = '{"data":{"password":"aHVudGVyMg=="}}';
    expect(
      redactValue('Secret', [{ key: 'metadata' }], {
        name: 'db',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied },
      }),
    ).toEqual({
      name: 'db',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': REDACTED },
    });
  });

  it('GIVEN config text with secret settings and a URL password WHEN redacted THEN those values are hidden', () => {
    const text =
      'db.url=postgres://claims:pa55@db.insure.example/claims\ndb.password=pa55\nlog.level=info\napi_token: "abc def"\n';
    expect(redactText(text)).toBe(
      `db.url=postgres://claims:${REDACTED}@db.insure.example/claims\ndb.password=${REDACTED}\nlog.level=info\napi_token: ${REDACTED}\n`,
    );
  });

  it('GIVEN a ConfigMap entry named like a key WHEN redacted THEN its whole value is hidden', () => {
    expect(redactValue('ConfigMap', [{ key: 'data' }, { key: 'signing.key' }], '-----BEGIN KEY-----')).toBe(REDACTED);
    expect(redactValue('ConfigMap', [{ key: 'data' }, { key: 'app.yaml' }], 'a: 1')).toBe('a: 1');
  });

  it('names that look secret', () => {
    for (const name of [
      'DB_PASSWORD',
      'PARTNER_API_TOKEN',
      'STRIPE_APIKEY',
      'client-secret',
      'SIGNING_KEY',
      'OAUTH_CLIENT',
      'SENTRY_DSN',
    ])
      expect(looksSecret(name), name).toBe(true);
    for (const name of ['LOG_LEVEL', 'JAVA_TOOL_OPTIONS', 'DOCUMENT_BUCKET', 'KEYCLOAK_URL'])
      expect(looksSecret(name), name).toBe(false);
  });
});

describe('redaction by content', () => {
  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
  const pem =
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq9vXh1\nq2w3e4r5t6y7u8i9o0p\n-----END RSA PRIVATE KEY-----';

  it('GIVEN a JWT and an RSA key block under harmless names WHEN redacted THEN neither is left, in any part', () => {
    const config = {
      'app.yaml': `session: ${jwt}\nkey: |\n  ${pem.replaceAll('\n', '\n  ')}\nlevel: info\n`,
      'cert.pem': pem,
    };
    const out = JSON.stringify(redactValue('ConfigMap', [{ key: 'data' }], config));
    expect(out).not.toContain('eyJhbGci');
    expect(out).not.toContain('MIIEpAIBAAKCAQEA');
    expect(out).not.toContain('q2w3e4r5t6y7u8i9o0p');
    expect(out).toContain('level: info');
    const env = [
      { name: 'SESSION', value: jwt },
      { name: 'AWS_ID', value: 'AKIAIOSFODNN7EXAMPLE' },
    ];
    expect(redactValue('Deployment', [{ key: 'env' }], env)).toEqual([
      { name: 'SESSION', value: REDACTED },
      { name: 'AWS_ID', value: REDACTED },
    ]);
  });
});

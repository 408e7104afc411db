/**
 * Label and annotation keys the platform writes on every object, so any
 * object traces back to its app spec, team, version and environment.
 */
import type { ResolvedApp } from '../spec/resolve.ts';

/** Prefix of the platform's own label and annotation keys. */
export const PLATFORM_PREFIX = 'platform.insure.example';

/** Label keys. */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  partOf: 'app.kubernetes.io/part-of',
  version: 'app.kubernetes.io/version',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  environment: `${PLATFORM_PREFIX}/environment`,
} as const;

/** Annotation keys. */
export const ANNOTATIONS = {
  /** Repository-relative path of the spec the object came from. */
  source: `${PLATFORM_PREFIX}/source`,
  /** The app's one-line description. */
  description: `${PLATFORM_PREFIX}/description`,
  /**
   * Entries of a ConfigMap that look secret but are not, one `<key>: <reason>` per line, from the
   * app's `notSecrets`; rule `no-secret-content` skips exactly these entries.
   */
  notSecrets: `${PLATFORM_PREFIX}/not-secrets`,
  /** Prefix of per-rule policy exceptions: `<prefix>/<rule-id>: <reason>`. */
  exceptionPrefix: `policy.${PLATFORM_PREFIX}`,
} as const;

/** Value of `app.kubernetes.io/managed-by` on rendered objects. */
export const MANAGED_BY = 'platform-gitops';

/** Value of `app.kubernetes.io/part-of` on the platform's own objects (the team of an app's objects otherwise). */
export const PLATFORM_TEAM = 'platform';

/** Labels every object of `app` carries. */
export function appLabels(app: ResolvedApp): Record<string, string> {
  return {
    [LABELS.name]: app.name,
    [LABELS.partOf]: app.team,
    [LABELS.version]: labelValue(app.version.tag),
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.environment]: app.environment.name,
  };
}

/** The labels that select the app's pods; never changes over the app's life. */
export function selectorLabels(app: ResolvedApp): Record<string, string> {
  return { [LABELS.name]: app.name };
}

/** A tag made safe as a label value (63 characters, alphanumeric ends). */
export function labelValue(value: string): string {
  return value.slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/**
 * Platform exceptions the validator itself lists: platform objects (rendered
 * into `manifests/<env>/platform/`) that break a rule by design. Each names
 * the object, the rule and why. They never apply to an app file, and an
 * object that moves, or a rule not listed, is checked in full.
 */

/** One listed exception. */
export interface PlatformException {
  /** `kind/namespace/name` of the platform object. */
  readonly object: string;
  /** The rule id it is excepted from. */
  readonly rule: string;
  /** Why the platform needs it. */
  readonly reason: string;
}

/** The listed platform exceptions, for `validate` and the README. */
export const PLATFORM_EXCEPTIONS: readonly PlatformException[] = [
  {
    object: 'Deployment/logging/event-exporter',
    rule: 'update-keeps-capacity',
    reason: 'one exporter at a time: two would ship every cluster event twice, so an update stops the old pod first',
  },
  {
    object: 'DaemonSet/logging/node-problem-detector',
    rule: 'capabilities',
    reason:
      'a privileged container reading /dev/kmsg (see its no-privilege-escalation exception); capabilities do not apply',
  },
  {
    object: 'DaemonSet/logging/node-problem-detector',
    rule: 'seccomp',
    reason: 'a privileged container runs unconfined whatever its seccomp profile says',
  },
];

const byObject = new Map<string, Set<string>>();
for (const e of PLATFORM_EXCEPTIONS) {
  const rules = byObject.get(e.object) ?? new Set<string>();
  rules.add(e.rule);
  byObject.set(e.object, rules);
}

/** The rules the platform object `kind/namespace/name` is listed as excepted from, if any. */
export function platformExceptionsOf(
  kind: string,
  namespace: string | undefined,
  name: string,
): ReadonlySet<string> | undefined {
  return byObject.get(`${kind}/${namespace ?? ''}/${name}`);
}

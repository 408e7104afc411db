/**
 * The release order as JSON (the contract other tooling reads): `base`, `head`,
 * `changes[]` (`env`, `app`, `kind`, `object`, `risk`, plus the fields that
 * changed) and `environments[]` (`env`, `risk`, `approvalsRequired`,
 * `approvers`, plus apps, versions and rollout plans), and the guards' refusals
 * (each overridable or not) with the override requests of commit trailers;
 * `summary[]` groups each environment's changes by kind and path, with what
 * caused each group and the apps that differ from the common pattern;
 * `chain` is the chain rule's verdict (`ok` also when a `Chain-Override`
 * trailer covers its violations, then named in `chain.override`).
 * The document's schema is `document.ts`; it types what is written here.
 */
import type { ReleaseOrderDocument } from './document.ts';
import type { ReleaseOrder } from './order.ts';

/** The JSON document of a release order, with a trailing newline. */
export function releaseOrderJson(order: ReleaseOrder): string {
  const doc: ReleaseOrderDocument = {
    base: order.base,
    head: order.head,
    verified: order.verified,
    blocked: order.guard.blocked,
    guard: {
      violations: order.guard.violations.map((v) => ({
        env: v.env,
        rule: v.rule,
        overridable: v.overridable,
        message: v.message,
        objects: v.objects,
      })),
      requests: order.guard.requests.map((o) => ({ text: o.text, commit: o.commit, author: o.author })),
    },
    chain: {
      ok: order.chain.ok,
      violations: order.chain.violations.map((v) => ({ env: v.env, upstream: v.upstream, apps: v.apps })),
      ...(order.chain.override
        ? {
            override: {
              reason: order.chain.override.reason,
              commit: order.chain.override.commit,
              author: order.chain.override.author,
            },
          }
        : {}),
    },
    pins: order.pins.map((p) => ({
      env: p.env,
      app: p.app,
      before: p.before ?? null,
      after: p.after ?? null,
      source: p.source ?? null,
    })),
    environments: order.environments.map((e) => ({
      env: e.env,
      step: e.step,
      wave: e.wave,
      releasedWith: e.releasedWith ?? null,
      risk: e.risk,
      approvalsRequired: e.approvalsRequired,
      approvers: e.approvers,
      apps: e.apps.map((a) => ({
        app: a.app,
        status: a.status,
        versionBefore: a.version.before ?? null,
        versionAfter: a.version.after ?? null,
        risk: a.risk,
        changes: a.changes.length,
        rollout: a.rollout.map((p) => ({
          object: p.object,
          workload: p.workload,
          pods: p.pods,
          strategy: p.strategy,
          inPlace: p.inPlace ?? null,
          recreatedBy: p.recreatedBy ?? [],
          steppedBy: p.steppedBy ?? null,
          steps: p.steps.map((s) => ({ text: s.text, manualGate: s.manualGate, check: s.check ?? null })),
        })),
      })),
    })),
    summary: order.summary.map((s) => ({
      env: s.env,
      apps: s.apps,
      common: s.common,
      groups: s.groups.map((g) => ({
        kind: g.kind,
        objectKind: g.objectKind,
        path: g.path,
        before: g.before ?? null,
        after: g.after ?? null,
        risk: g.risk,
        apps: g.apps,
        causes: g.causes.map((c) => ({ type: c.type, paths: c.paths, features: c.features ?? [] })),
      })),
      standouts: s.standouts,
    })),
    changes: order.changes.map((c) => ({
      env: c.env,
      app: c.app,
      kind: c.kind,
      object: c.object,
      risk: c.risk,
      triggers: c.triggers,
      fields: c.fields.map((f) => ({ path: f.path, before: f.before ?? null, after: f.after ?? null })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

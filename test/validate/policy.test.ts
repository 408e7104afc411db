import { describe, expect, it } from 'vitest';
import { checkPolicy, RULES } from '../../lib/validate/policy.ts';
import { schemaErrors } from '../../lib/validate/schema.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import prod from '../fixtures/environments/prod/environment.ts';
import dev from '../fixtures/environments/dev/environment.ts';

const digest = `sha256:${'a'.repeat(64)}`;

/** A Deployment that passes every rule in prod. */
function deployment(): KubeObject & { spec: any } {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'claims-api',
      namespace: 'claims',
      labels: {
        'app.kubernetes.io/name': 'claims-api',
        'app.kubernetes.io/part-of': 'claims',
        'app.kubernetes.io/version': '1.0.0',
        'platform.insure.example/environment': 'prod',
      },
    },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'claims-api' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'claims-api' } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'claims-api',
              image: `registry.insure.example/claims/claims-api:1.0.0@${digest}`,
              resources: { requests: { cpu: '250m', memory: '512Mi' } },
              securityContext: {
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                privileged: false,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

const rulesOf = (o: KubeObject, env: EnvironmentSpec = prod) => checkPolicy(o, env).map((v) => v.rule);

describe('policy', () => {
  it('passes a compliant Deployment', () => {
    expect(checkPolicy(deployment(), prod)).toEqual([]);
    expect(schemaErrors(deployment())).toEqual([]);
  });

  it('fails run-as-non-root when a container runs as root', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext.runAsUser = 0;
    const [v] = checkPolicy(d, prod);
    expect(v).toMatchObject({ rule: 'run-as-non-root', message: "container 'claims-api' may run as root" });
  });

  it('fails read-only-root-fs, unless the object carries an exception with a reason', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(rulesOf(d)).toEqual(['read-only-root-fs']);
    d.metadata.annotations = {
      'policy.platform.insure.example/read-only-root-fs': 'legacy report engine writes to /opt/app/cache',
    };
    expect(rulesOf(d)).toEqual([]);
  });

  it('fails no-privilege-escalation', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    expect(rulesOf(d)).toEqual(['no-privilege-escalation']);
  });

  it('fails no-host-access on a hostPath volume', () => {
    const d = deployment();
    d.spec.template.spec.volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }];
    expect(checkPolicy(d, prod)).toEqual([
      {
        rule: 'no-host-access',
        message: "volume 'logs' mounts a host path",
        fix: 'use an emptyDir or a PersistentVolumeClaim',
      },
    ]);
  });

  it('fails resource-requests when a request is missing', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].resources.requests.memory;
    expect(rulesOf(d)).toEqual(['resource-requests']);
  });

  it('fails no-mutable-tag on latest and on untagged images outside dev, and allows them in dev', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'registry.insure.example/claims/claims-api:latest';
    expect(rulesOf(d)).toContain('no-mutable-tag');
    d.spec.template.spec.containers[0].image = 'registry.insure.example:5000/claims/claims-api';
    expect(checkPolicy(d, prod).find((v) => v.rule === 'no-mutable-tag')?.message).toContain('has no tag');
    d.metadata.labels!['platform.insure.example/environment'] = 'dev';
    expect(rulesOf(d, dev)).toEqual([]);
  });

  it('fails image-digest where the environment requires digests', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'registry.insure.example/claims/claims-api:1.0.0';
    expect(rulesOf(d)).toEqual(['image-digest']);
  });

  it('fails no-secret-data on a Secret with data', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { ...deployment().metadata },
      data: { password: 'aHVudGVyMg==' },
    };
    expect(rulesOf(secret)).toEqual(['no-secret-data']);
  });

  it('fails required-labels on an object without the traceability labels', () => {
    const d = deployment();
    delete d.metadata.labels!['app.kubernetes.io/version'];
    expect(checkPolicy(d, prod)[0]?.message).toBe('missing label(s) app.kubernetes.io/version');
  });

  it('fails fluent-bit-config on a ConfigMap whose Fluent Bit configuration has an unknown property', () => {
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...deployment().metadata, name: 'claims-api-log-collector' },
      data: {
        'fluent-bit.yaml':
          'pipeline:\n  inputs:\n    - name: tail\n      path: /logs/*.log\n      tag: app\n  outputs:\n    - name: forward\n      match: app\n      hots: aggregator\n',
      },
    };
    expect(checkPolicy(config, prod)).toEqual([
      {
        rule: 'fluent-bit-config',
        message: "fluent-bit.yaml: pipeline.outputs[0] (forward).hots: unknown property; did you mean 'host'?",
        fix: expect.stringContaining('npm run synth'),
      },
    ]);
  });

  it('fails no-host-access on an app object even with an exception annotation; only platform objects may carry one', () => {
    const d = deployment();
    d.spec.template.spec.volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }];
    d.metadata.annotations = { 'policy.platform.insure.example/no-host-access': 'reads node logs' };
    expect(rulesOf(d)).toEqual(['no-host-access']);
    expect(checkPolicy(d, prod, { platform: true })).toEqual([]);
    delete d.metadata.annotations;
    expect(checkPolicy(d, prod, { platform: true }).map((v) => v.rule)).toEqual(['no-host-access']);
  });

  it('has a stable id and a test for every rule (rollout rules: test/rollout/policy.test.ts; api-, lint and cross-object rules: test/validate/corpus.e2e.test.ts)', () => {
    expect(RULES.map((r) => r.id)).toEqual([
      'required-labels',
      'run-as-non-root',
      'read-only-root-fs',
      'no-privilege-escalation',
      'no-host-access',
      'resource-requests',
      'no-mutable-tag',
      'image-digest',
      'no-secret-data',
      'rollout-grace-period',
      'rollout-max-unavailable',
      'rollout-readiness-probe',
      'rollout-pdb-required',
      'rollout-pdb-allows-eviction',
      'rollout-in-place-capable',
      'rollout-manual-gate',
      'rollout-same-strategy-in-wave',
      'fluent-bit-config',
      'api-name',
      'api-labels',
      'api-selector',
      'api-ports',
      'api-restart-policy',
      'api-enum',
      'api-served',
      'capabilities',
      'seccomp',
      'pod-security-restricted',
      'no-host-port',
      'no-ssh-port',
      'service-account-token',
      'env-var-secret',
      'service-exposure',
      'network-policy-allow-all',
      'rbac-cluster-admin',
      'rbac-wildcard',
      'hpa-bounds',
      'dangling-service',
      'dangling-hpa',
      'dangling-pdb',
      'dangling-network-policy',
      'dangling-monitor',
      'dangling-service-account',
      'update-keeps-capacity',
      'no-secret-content',
    ]);
  });
});

describe('schema', () => {
  it('fails a wrongly typed field, naming its path', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports = [{ containerPort: '8080' }];
    expect(schemaErrors(d)).toEqual(['/spec/template/spec/containers/0/ports/0/containerPort must be integer']);
  });

  it('fails a kind that has no registered schema', () => {
    expect(schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget' })[0]).toContain(
      'no schema is registered for example.com/v1/Widget',
    );
  });
});

describe('what a rule judges', () => {
  it('reads the pod the context gives it, and the object itself without one', () => {
    // GIVEN a Deployment whose pod has no seccomp profile, and the seccomp rule
    const object = deployment();
    delete object.spec.template.spec.securityContext;
    const rule = RULES.find((r) => r.id === 'seccomp')!;
    // WHEN the rule is told the object runs no pod, and then given no context
    // THEN it judges what it is given: nothing, then the object's own pod
    expect(rule.check(object, prod, [object], { pod: undefined })).toEqual([]);
    expect(rule.check(object, prod, [object])).not.toEqual([]);
  });

  it('gives every rule the pod it reads once, so checking an object twice finds the same', () => {
    // GIVEN a Deployment with a finding of a pod rule
    const object = deployment();
    delete object.spec.template.spec.securityContext;
    // WHEN it is checked twice, and a second object between
    const first = checkPolicy(object, prod);
    checkPolicy(deployment(), prod);
    // THEN the findings are the same each time: nothing is left over from another object
    expect(checkPolicy(object, prod)).toEqual(first);
    expect(first.map((f) => f.rule)).toContain('seccomp');
  });
});

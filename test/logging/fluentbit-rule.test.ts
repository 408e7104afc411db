import { describe, expect, it } from 'vitest';
import { fluentBitConfigRule } from '../../lib/logging/fluentbit/rule.ts';
import { toFluentBitYaml } from '../../lib/logging/fluentbit/config.ts';
import { collectorConfigText } from '../../lib/logging/sidecar.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { service, tempRepo } from '../fixture.ts';

const env = {} as EnvironmentSpec;

/** A ConfigMap of app `app` in environment `envName` holding `text` as its Fluent Bit configuration. */
function configMap(app: string, envName: string, text: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${app}-log-collector`,
      labels: { 'app.kubernetes.io/name': app, 'platform.insure.example/environment': envName },
    },
    data: { 'fluent-bit.yaml': text },
  };
}

/** A configuration naming `app` and `envName` in its tag and records, with `extra` on its output. */
function config(app: string, envName: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({
    service: { flush: 1, log_level: 'info' },
    pipeline: {
      inputs: [{ name: 'tail', tag: `file.${app}`, path: '/logs/*.log' }],
      filters: [{ name: 'record_modifier', match: `file.${app}`, record: [`app ${app}`, `env ${envName}`] }],
      outputs: [{ name: 'forward', match: 'file.*', host: 'log-aggregator.logging.svc', port: 24224, ...extra }],
    },
  })}\n`;
}

describe('policy rule fluent-bit-config', () => {
  it('passes the collector configurations the render writes, read from the manifest text', async () => {
    // GIVEN two apps with log directories, rendered for prod
    const logs = { dir: '/home/admin/logs' };
    const root = tempRepo({
      apps: { 'claims-api': service('claims-api', { logs }), 'claims-batch': service('claims-batch', { logs }) },
    });
    const apps = resolveProject(await loadProject(root)).filter((a) => a.environment.name === 'prod');
    // WHEN the rule checks the ConfigMaps holding their configurations
    // THEN it finds nothing
    expect(apps).toHaveLength(2);
    for (const app of apps) {
      const text = collectorConfigText(app, app.logs!);
      expect(fluentBitConfigRule.check(configMap(app.name, 'prod', text), env)).toEqual([]);
    }
  });

  it('fails a configuration that differs from a passed one beyond the names, whatever was judged before', () => {
    // GIVEN a configuration of one app that passed
    expect(fluentBitConfigRule.check(configMap('claims-api', 'prod', config('claims-api', 'prod')), env)).toEqual([]);
    // WHEN the same shape for another app carries an unknown property
    const bad = config('claims-batch', 'prod', { hots: 'x' });
    const findings = fluentBitConfigRule.check(configMap('claims-batch', 'prod', bad), env);
    // THEN it is reported
    expect(findings.map((f) => f.message)).toEqual([
      "fluent-bit.yaml: pipeline.outputs[0] (forward).hots: unknown property; did you mean 'host'?",
    ]);
  });

  it('fails a text edited by hand after the render wrote it', () => {
    // GIVEN a configuration the render wrote, then edited in the manifest
    const written = toFluentBitYaml({
      service: { flush: 1 },
      inputs: [{ name: 'tail', tag: 'file.app', path: '/logs/*.log' }],
      outputs: [{ name: 'stdout', match: '*' }],
    });
    const edited = written.replace('name: stdout', 'name: stdot');
    // WHEN the rule checks both
    // THEN only the edited one fails
    expect(fluentBitConfigRule.check(configMap('claims-api', 'prod', written), env)).toEqual([]);
    const messages = fluentBitConfigRule.check(configMap('claims-api', 'prod', edited), env).map((f) => f.message);
    expect(messages.join('\n')).toContain('stdot');
  });

  it('judges an app named like a plugin by its own text', () => {
    // GIVEN an app named 'tail', whose name stands where the input plugin's name does
    // WHEN its valid configuration is checked, and then one with an unknown property
    // THEN the first passes and the second fails
    expect(fluentBitConfigRule.check(configMap('tail', 'prod', config('tail', 'prod')), env)).toEqual([]);
    const bad = config('tail', 'prod', { hots: 'x' });
    expect(fluentBitConfigRule.check(configMap('tail', 'prod', bad), env)).toHaveLength(1);
  });
});

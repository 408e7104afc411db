import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateFluentBitYaml, type ConfigProblem } from '../../lib/logging/fluentbit/validate.ts';
import { toFluentBitYaml } from '../../lib/logging/fluentbit/config.ts';
import { aggregatorConfig, aggregatorEnv, nodeAgentConfig } from '../../lib/logging/pipeline.ts';
import { eventExporterConfig } from '../../lib/observability/events.ts';
import { ENVS } from '../fixture.ts';

const environments = await Promise.all(
  ENVS.map(async (env) => (await import(`../fixtures/environments/${env}/environment.ts`)).default),
);

/** A small valid configuration: a tail input forwarding to the aggregator. */
function base(): {
  service: Record<string, unknown>;
  pipeline: {
    inputs: Record<string, unknown>[];
    filters?: Record<string, unknown>[];
    outputs: Record<string, unknown>[];
  };
  [k: string]: unknown;
} {
  return {
    service: { flush: 1, log_level: 'info' },
    pipeline: {
      inputs: [{ name: 'tail', tag: 'file.app', path: '/logs/*.log', path_key: 'file' }],
      filters: [{ name: 'record_modifier', match: 'file.app', record: ['env dev', 'pod ${POD_NAME}'] }],
      outputs: [{ name: 'forward', match: 'file.*', host: 'log-aggregator.logging.svc', port: 24224 }],
    },
  };
}

function problems(doc: unknown, env: string[] = ['POD_NAME']): string[] {
  return validateFluentBitYaml(stringify(doc), { env: new Set(env) }).map(
    (p: ConfigProblem) => `${p.where}: ${p.message}`,
  );
}

describe('Fluent Bit configuration validator', () => {
  it('passes the base configuration', () => {
    expect(problems(base())).toEqual([]);
  });

  it('passes every configuration the platform generates, in every environment', () => {
    for (const env of environments) {
      const aggregator = toFluentBitYaml(aggregatorConfig(env));
      expect(validateFluentBitYaml(aggregator, { env: new Set(aggregatorEnv(env).map((e) => e.name)) })).toEqual([]);
      expect(validateFluentBitYaml(toFluentBitYaml(nodeAgentConfig(env)), { env: new Set() })).toEqual([]);
      expect(validateFluentBitYaml(toFluentBitYaml(eventExporterConfig(env)), { env: new Set() })).toEqual([]);
    }
  });

  it('fails an unknown plugin and an unknown property, suggesting the right name', () => {
    const doc = base();
    doc.pipeline.outputs[0]!.name = 'fowrard';
    doc.pipeline.inputs[0]!.path_kye = 'file';
    expect(problems(doc)).toEqual([
      "pipeline.inputs[0] (tail).path_kye: unknown property; did you mean 'path_key'?",
      "pipeline.outputs[0] (fowrard): unknown output plugin 'fowrard'; did you mean 'forward'?",
    ]);
  });

  it('fails values of the wrong kind', () => {
    const doc = base();
    Object.assign(doc.pipeline.inputs[0]!, {
      skip_long_lines: 'maybe',
      mem_buf_limit: 'lots',
      rotate_wait: 'soon',
      'db.sync': 'sometimes',
      path_key: ['a', 'b'],
    });
    doc.pipeline.outputs[0]!.port = 70000;
    expect(problems(doc)).toEqual([
      'pipeline.inputs[0] (tail).path_key: takes one value, not a list',
      'pipeline.inputs[0] (tail).skip_long_lines: "maybe" is not a boolean (on, off, true, false)',
      'pipeline.inputs[0] (tail).mem_buf_limit: "lots" is not a unit size (like 512k, 8M, 1G)',
      'pipeline.inputs[0] (tail).rotate_wait: "soon" is not a duration (seconds, or with s, m, h, d)',
      'pipeline.inputs[0] (tail).db.sync: "sometimes" is not one of extra, full, normal, off',
      'pipeline.outputs[0] (forward).port: "70000" is not a port number',
    ]);
  });

  it('fails an environment variable the container does not set', () => {
    const doc = base();
    doc.pipeline.filters![0]!.record = ['node ${NODE_NAME}', 'broken ${OOPS'];
    expect(problems(doc)).toEqual([
      'pipeline.filters[0].record[0]: uses ${NODE_NAME}, which the container does not set',
      'pipeline.filters[0].record[1]: unclosed ${...} in "broken ${OOPS"',
    ]);
  });

  it('fails filters and outputs that match nothing, or no input', () => {
    const doc = base();
    delete doc.pipeline.filters![0]!.match;
    doc.pipeline.outputs[0]!.match = 'kube.*';
    expect(problems(doc)).toEqual([
      "pipeline.filters[0] (record_modifier): needs 'match' or 'match_regex', or it receives nothing",
      'pipeline.outputs[0] (forward): matches the tag of no input (file.app)',
    ]);
  });

  it('fails a multiline parser reference and rules Fluent Bit would refuse', () => {
    const doc = base();
    doc.pipeline.inputs[0]!['multiline.parser'] = 'java-app';
    doc.multiline_parsers = [
      {
        name: 'javaapp',
        type: 'regex',
        flush_timeout: 100,
        rules: [{ state: 'start_state', regex: '/^[[:digit:]]{4}/', next_state: 'cont' }],
      },
    ];
    expect(problems(doc)).toEqual([
      'multiline_parsers[0]: flush_timeout 100 is below the 500 ms Fluent Bit accepts',
      "multiline_parsers[0]: rules[0]: next_state 'cont' is the state of no rule",
      'multiline_parsers[0]: rules[0]: regex "/^[[:digit:]]{4}/" uses POSIX bracket classes ([[:alpha:]]), which Fluent Bit and the platform\'s checks read differently',
      "pipeline.inputs[0] (tail).multiline.parser: 'java-app' is neither defined in multiline_parsers nor built in",
    ]);
  });

  it('fails filesystem buffering without a storage path, and relative paths', () => {
    const doc = base();
    Object.assign(doc.pipeline.inputs[0]!, { 'storage.type': 'filesystem', path: 'logs/*.log', db: 'tail.db' });
    expect(problems(doc)).toEqual([
      "pipeline.inputs[0] (tail): uses filesystem storage but service 'storage.path' is not set",
      "pipeline.inputs[0] (tail).path: 'logs/*.log' is not an absolute path",
      "pipeline.inputs[0] (tail).db: 'tail.db' is not an absolute path",
    ]);
  });

  it('fails malformed modify, record_modifier, nest and kubernetes filters', () => {
    const doc = base();
    doc.pipeline.filters = [
      { name: 'modify', match: '*', rename: ['k8s_pod_name'], remove: 'a b' },
      { name: 'record_modifier', match: '*', record: ['lonely'], allowlist_key: ['log'], remove_key: ['x'] },
      { name: 'nest', match: '*', operation: 'lift' },
      { name: 'kubernetes', match: '*', kube_tag_prefix: 'kube.var.log.containers.' },
    ];
    expect(problems(doc)).toEqual([
      "pipeline.filters[0] (modify).remove: 'a b' needs a key",
      "pipeline.filters[0] (modify).rename: 'k8s_pod_name' needs a key and a value",
      "pipeline.filters[1] (record_modifier).record: 'lonely' needs a key and a value",
      'pipeline.filters[1] (record_modifier): allowlist_key and remove_key exclude each other',
      "pipeline.filters[2] (nest): operation 'lift' needs 'nested_under'",
      "pipeline.filters[3] (kubernetes).kube_tag_prefix: 'kube.var.log.containers.' starts no tail input's tag (file.app)",
    ]);
  });

  it('fails unknown sections, service keys, and text that is not YAML', () => {
    const doc = base();
    doc.includes = ['other.yaml'];
    doc.service.flsh = 1;
    expect(problems(doc)).toEqual([
      'includes: unknown top-level section; the platform writes only service, multiline_parsers and pipeline',
      "service.flsh: unknown property; did you mean 'flush'?",
    ]);
    expect(validateFluentBitYaml('pipeline: [unclosed')[0]!.message).toMatch(/^not valid YAML/);
  });

  it("accepts the kafka plugin's rdkafka.* pass-through properties but not malformed ones", () => {
    const doc = base();
    doc.pipeline.outputs = [
      {
        name: 'kafka',
        match: '*',
        brokers: 'kafka-0.example:9093',
        topics: 'logs',
        'rdkafka.security.protocol': 'SASL_SSL',
        'rdkafka.Bad_Name': 'x',
      },
    ];
    expect(problems(doc)).toEqual([
      "pipeline.outputs[0] (kafka).rdkafka.bad_name: not a valid 'rdkafka.' property name",
    ]);
  });
});

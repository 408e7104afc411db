import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../lib/spec/project.ts';
import { SpecError } from '../../lib/spec/problems.ts';
import { makeRepo, service } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function problemsOf(apps: Record<string, unknown>, editEnv?: (text: string) => string): Promise<string[]> {
  const r = makeRepo({ apps });
  cleanups.push(r.cleanup);
  if (editEnv) {
    const file = join(r.root, 'environments', 'prod', 'environment.ts');
    writeFileSync(file, editEnv(readFileSync(file, 'utf8')));
  }
  try {
    await loadProject(r.root);
  } catch (error) {
    if (error instanceof SpecError)
      return error.problems.map((p) => `${p.field} (${JSON.stringify(p.value)}): ${p.message}. Fix: ${p.fix}`);
    throw error;
  }
  return [];
}

describe('logs field', () => {
  it('fails a log directory on a cronjob, whose collector would keep the job running', async () => {
    const batch = {
      name: 'nightly-batch',
      team: 'policy',
      image: 'registry.insure.example/policy/nightly-batch',
      kind: 'cronjob',
      schedule: '30 1 * * *',
      logs: { dir: '/logs' },
    };
    expect(await problemsOf({ 'nightly-batch': batch })).toEqual([
      'logs ({"dir":"/logs"}): a cronjob cannot have a log directory: its collector sidecar would keep the job from finishing (Kubernetes 1.27 has no native sidecars). Fix: log to stdout, which the node agent collects, and remove logs',
    ]);
  });

  it('fails directories that are relative, hide system folders, overlap the config folder, or hold what the collector reads as variables', async () => {
    const apps = {
      a1: service('a1', { logs: { dir: 'home/admin/logs' } }),
      a2: service('a2', { logs: { dir: '/etc/app' } }),
      a3: service('a3', { logs: { dir: '/config/logs' } }),
      a4: service('a4', { logs: { dir: '/home/../etc' } }),
      a5: service('a5', { logs: { dir: '/home/admin/${LOG_HOME}' } }),
    };
    expect(await problemsOf(apps)).toEqual([
      `logs.dir ("home/admin/logs"): not an absolute path. Fix: write it as '/home/admin/logs'`,
      `logs.dir ("/etc/app"): would hide or sit in /etc, which the container needs (or /tmp, which is already a volume). Fix: use a folder of the app's own, e.g. '/home/admin/logs' or '/var/log/app'`,
      'logs.dir ("/config/logs"): overlaps the config folder /config, which is read-only. Fix: use a separate folder for logs',
      `logs.dir ("/home/../etc"): has an empty, '.' or '..' segment. Fix: write the plain folder, e.g. '/home/admin/logs'`,
      `logs.dir ("/home/admin/\${LOG_HOME}"): has characters a collected folder cannot hold here ('$', spaces and commas included: the collector would read them as variables or lists). Fix: use letters, digits, '.', '_', '-' and '/'`,
    ]);
  });

  it('fails include patterns that leave the directory or break the path list', async () => {
    expect(
      await problemsOf({
        a1: service('a1', {
          logs: { dir: '/logs', include: ['../secrets/*', 'a.log,b.log', '/logs/x.log', '**/*.log'] },
        }),
      }),
    ).toEqual([
      `logs.include[0] ("../secrets/*"): climbs out of logs.dir with '..'. Fix: collect only files inside logs.dir`,
      `logs.include[1] ("a.log,b.log"): has characters a file pattern cannot hold here (commas and spaces included). Fix: use letters, digits, '.', '_', '-', '/', and the wildcards '*', '?', '[...]'`,
      `logs.include[2] ("/logs/x.log"): is absolute; patterns are relative to logs.dir (/logs). Fix: write 'logs/x.log'`,
      `logs.include[3] ("**/*.log"): '**' is not supported. Fix: write one pattern per folder level, e.g. '*.log' and 'audit/*.log'`,
    ]);
  });

  it('fails start patterns that are unanchored, unportable or match every line', async () => {
    const apps = {
      a1: service('a1', { logs: { dir: '/logs', multiline: { startPattern: '\\d{4}-' } } }),
      a2: service('a2', { logs: { dir: '/logs', multiline: { startPattern: '^\\h+' } } }),
      a3: service('a3', { logs: { dir: '/logs', multiline: { startPattern: '^.*' } } }),
    };
    const problems = await problemsOf(apps);
    expect(problems[0]).toBe(
      `logs.multiline.startPattern ("\\\\d{4}-"): is not anchored: a record starts at the beginning of a line. Fix: start it with '^', e.g. '^\\d{4}-'`,
    );
    expect(problems[1]).toMatch(/^logs\.multiline\.startPattern \("\^\\\\h\+"\): uses the escapes \\h/);
    expect(problems[2]).toMatch(/matches an empty line, so every line would start a record/);
  });

  it('fails a misspelt multiline mode and a size that is no quantity', async () => {
    expect(
      await problemsOf({ a1: service('a1', { logs: { dir: '/logs', multiline: 'jav' as never, sizeLimit: '2GB' } }) }),
    ).toEqual([
      'logs.multiline ("jav"): expected "java" or an object, got a string. Fix: write one of them (see the field\'s doc comment in lib/spec/)',
    ]);
    expect(
      await problemsOf({ a1: service('a1', { logs: { dir: '/logs', multiline: { startPatern: '^x' } as never } }) }),
    ).toEqual([
      `logs.multiline.startPatern ("^x"): unknown field. Fix: did you mean 'startPattern'? Rename it`,
      `logs.multiline.startPattern (undefined): required field is missing. Fix: add 'startPattern' (a string)`,
    ]);
    expect(await problemsOf({ a1: service('a1', { logs: { dir: '/logs', sizeLimit: '2GB' } }) })).toEqual([
      `logs.sizeLimit ("2GB"): not a size. Fix: write it as '512Mi' or '2Gi'`,
    ]);
  });

  it("fails an app in the platform's logging namespace", async () => {
    expect(await problemsOf({ a1: service('a1', { namespace: 'logging' }) })).toEqual([
      `namespace ("logging"): 'logging' is the namespace of the platform's node agents, where Pod Security admits host access. Fix: run the app in its team's namespace (set namespace to another name)`,
    ]);
  });
});

describe('metrics field', () => {
  it('fails a metrics port that is not declared, and metrics on a cronjob', async () => {
    const batch = {
      name: 'nightly-batch',
      team: 'policy',
      image: 'registry.insure.example/policy/nightly-batch',
      kind: 'cronjob',
      schedule: '30 1 * * *',
      ports: [{ name: 'metrics', port: 9090 }],
      metrics: { port: 'metrics' },
    };
    expect(await problemsOf({ a1: service('a1', { metrics: { port: 'metrics' } }), 'nightly-batch': batch })).toEqual([
      `metrics.port ("metrics"): names no declared port. Fix: use one of: http`,
      `metrics ({"port":"metrics"}): a cronjob runs too briefly to be scraped. Fix: remove metrics (push batch results to your metrics store instead)`,
    ]);
  });

  it('fails thresholds out of range and an alerts override without metrics', async () => {
    const apps = {
      a1: service('a1', {
        metrics: {
          port: 'http',
          interval: '1s',
          requestMetric: 'http_server_requests_seconds_count',
          alerts: { errorRatio: 5, restartsPerHour: 0.5 },
        },
      }),
      a2: service('a2', { overrides: { prod: { alerts: { latencyP99Seconds: 2 } } } }),
    };
    expect(await problemsOf(apps)).toEqual([
      `metrics.alerts.errorRatio (5): not a ratio above 0 and at most 1. Fix: write 5 % as 0.05`,
      `metrics.alerts.restartsPerHour (0.5): not a whole number from 1 to 1000. Fix: use e.g. 3`,
      `metrics.interval ("1s"): not an interval from 5s to 10m. Fix: write it as '30s' or '1m'`,
      `metrics.requestMetric ("http_server_requests_seconds_count"): names a series of the histogram, not the histogram. Fix: drop the suffix: 'http_server_requests_seconds'`,
      `overrides.prod.alerts ({"latencyP99Seconds":2}): the app declares no metrics, so it has no alerts. Fix: add metrics: { port: '<port name>' }, or remove the alerts override`,
    ]);
  });
});

describe('environment observability', () => {
  it('fails an environment without a log store', async () => {
    const problems = await problemsOf({}, (t) => t.replace(/logSinks: \[[\s\S]*?\n {4}\],/, 'logSinks: [],'));
    expect(problems).toEqual([
      `observability.logSinks ([]): no log store: logs and events would go nowhere. Fix: add one, e.g. { type: 'stdout' } for a cluster without a log store`,
    ]);
  });

  it('fails an agent image without a digest where the environment requires one, and a broker without a port', async () => {
    const problems = await problemsOf({}, (t) =>
      t
        .replace(/(fluentBit:\s+'[^@']+)@sha256:[0-9a-f]+'/, "$1'")
        .replace("'kafka-0.logs.prod.insure.example:9093'", "'kafka-0.logs.prod.insure.example'"),
    );
    // dr takes its agent images from prod, so it is refused too.
    expect(problems).toEqual([
      `observability.images.fluentBit ("registry.insure.example/platform/fluent-bit:3.2.10"): dr requires images pinned by digest. Fix: append '@sha256:…'`,
      `observability.images.fluentBit ("registry.insure.example/platform/fluent-bit:3.2.10"): prod requires images pinned by digest. Fix: append '@sha256:…'`,
      `observability.logSinks[0].brokers[0] ("kafka-0.logs.prod.insure.example"): not 'host:port'. Fix: write it as 'kafka-0.logs.prod.insure.example:9093'`,
    ]);
  });

  it('fails an unknown sink type, listing the known ones', async () => {
    const problems = await problemsOf({}, (t) => t.replace("type: 'elasticsearch'", "type: 'splunk'"));
    expect(problems).toEqual([
      `observability.logSinks[1].type ("splunk"): not a known type. Fix: use one of "stdout", "loki", "elasticsearch", "kafka"`,
    ]);
  });
});

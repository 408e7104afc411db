/**
 * A real Prometheus (Debian's `prometheus`) on a loopback port, scraping every
 * second a small exporter that serves controlled request metrics per app version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of the Prometheus binary. */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** Traffic of one app version, as the exporter serves it. */
export interface VersionTraffic {
  readonly app: string;
  readonly namespace: string;
  readonly version: string;
  /**
   * `micrometer` (`http_server_requests_seconds`), or `generic`
   * (`http_requests_total` + `http_request_duration_seconds`).
   */
  readonly convention: 'micrometer' | 'generic';
  /** Requests a second. */
  readonly rps: number;
  /** Share of requests answered 500. */
  readonly errorRatio: number;
}

/** Share of requests at or below each bucket bound (seconds): p99 lies in the 0.1 s bucket. */
const LATENCY: readonly [string, number][] = [
  ['0.05', 0.9],
  ['0.1', 0.995],
  ['0.25', 1],
  ['1', 1],
  ['+Inf', 1],
];

/** The exposition text of `traffic` after `seconds` of it. */
export function exposition(traffic: readonly VersionTraffic[], seconds: number): string {
  const lines: string[] = [];
  const typed = new Set<string>();
  const type = (name: string, kind: string) => {
    if (!typed.has(name)) lines.push(`# TYPE ${name} ${kind}`);
    typed.add(name);
  };
  for (const t of traffic) {
    const total = Math.floor(t.rps * seconds);
    const failed = Math.floor(total * t.errorRatio);
    const hist = t.convention === 'micrometer' ? 'http_server_requests_seconds' : 'http_request_duration_seconds';
    const statusLabel = t.convention === 'micrometer' ? 'status' : 'status_code';
    for (const [status, count] of [
      ['200', total - failed],
      ['500', failed],
    ] as const) {
      const labels = `app="${t.app}",namespace="${t.namespace}",version="${t.version}",${statusLabel}="${status}"`;
      type(hist, 'histogram');
      for (const [le, share] of LATENCY)
        lines.push(`${hist}_bucket{${labels},le="${le}"} ${Math.floor(count * share)}`);
      lines.push(`${hist}_sum{${labels}} ${(count * 0.04).toFixed(3)}`, `${hist}_count{${labels}} ${count}`);
      if (t.convention === 'generic') {
        type('http_requests_total', 'counter');
        lines.push(`http_requests_total{${labels}} ${count}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A running exporter and Prometheus. */
export interface PrometheusHarness {
  /** Base URL of the Prometheus HTTP API. */
  readonly url: string;
  /** Stops Prometheus (its URL then refuses connections). */
  stopPrometheus(): Promise<void>;
  /** Stops everything and removes the temp folder. */
  stop(): Promise<void>;
}

/** Starts the exporter and Prometheus; resolves once Prometheus holds `samples` scrapes of the exporter. */
export async function startPrometheus(traffic: readonly VersionTraffic[], samples = 12): Promise<PrometheusHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'verify-prometheus-'));
  const started = Date.now();
  const exporter = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(exposition(traffic, (Date.now() - started) / 1000));
  });
  let prometheus: ChildProcess | undefined;
  const stopPrometheus = async () => {
    const p = prometheus;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const stop = async () => {
    await stopPrometheus();
    await new Promise((resolve) => exporter.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const exporterPort = await listen(exporter);
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: exporter',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporterPort}']`,
        '',
      ].join('\n'),
    );
    let log = '';
    prometheus = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    const url = `http://127.0.0.1:${port}`;
    await until(
      30_000,
      `Prometheus ready at ${url}`,
      () => log,
      async () => (await fetch(`${url}/-/ready`)).ok,
    );
    await until(
      40_000,
      `${samples} scrapes of the exporter`,
      () => log,
      async () => {
        const params = new URLSearchParams({ query: 'sum(count_over_time(up{job="exporter"}[1m]))' });
        const body = (await (await fetch(`${url}/api/v1/query?${params}`)).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return Number(body.data.result[0]?.value[1] ?? 0) >= samples;
      },
    );
    return { url, stopPrometheus, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(ms: number, what: string, log: () => string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await check().catch(() => false);
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; Prometheus said: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

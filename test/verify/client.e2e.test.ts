import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PrometheusClient, PrometheusUnavailable } from '../../lib/verify/prometheus.ts';

const ANSWER = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ value: [0, '42'] }] } });

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A loopback server answering like Prometheus, which drops a kept-alive connection on its second request. */
async function dropsKeptAliveConnections(): Promise<{ url: string; connections: () => number }> {
  const served = new WeakSet<Socket>();
  let connections = 0;
  server = createServer((req, res) => {
    req.resume();
    if (served.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
    res.end(ANSWER);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('the Prometheus client', () => {
  it('answers every query although the server drops connections it kept alive', async () => {
    const { url, connections } = await dropsKeptAliveConnections();
    const client = new PrometheusClient(url);
    for (let i = 0; i < 4; i++) expect(await client.scalar('up', new Date(0))).toBe(42);
    expect(connections()).toBe(4);
  });

  it('gives up after its time limit, saying so', async () => {
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const error = await new PrometheusClient(url, { timeoutMs: 100 })
      .scalar('up', new Date(0))
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(`Prometheus at ${url} did not answer (no answer within 100 ms) for: up`);
  });

  it('fails closed naming the URL and the cause when nothing listens', async () => {
    const { url } = await dropsKeptAliveConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await new PrometheusClient(url).scalar('up', new Date(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusUnavailable);
    expect((error as Error).message).toBe(`Prometheus at ${url} did not answer (ECONNREFUSED) for: up`);
  });
});

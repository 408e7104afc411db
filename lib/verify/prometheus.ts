/**
 * A small client of the Prometheus HTTP API: instant queries only, bounded in
 * time, failing closed with the URL named.
 * @see https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Thrown when Prometheus cannot answer: unreachable, slow, or an error response. */
export class PrometheusUnavailable extends Error {
  constructor(
    /** The Prometheus base URL. */
    public readonly url: string,
    /** The query that could not be answered. */
    public readonly query: string,
    /** What went wrong. */
    public readonly reason: string,
  ) {
    super(`Prometheus at ${url} did not answer (${reason}) for: ${query}`);
    this.name = 'PrometheusUnavailable';
  }
}

/** Options of a `PrometheusClient`. */
export interface PrometheusClientOptions {
  /**
   * Milliseconds one query may take.
   * @default 10000
   */
  readonly timeoutMs?: number;
}

/** An instant-query client of one Prometheus. */
export class PrometheusClient {
  /** The base URL, without a trailing slash. */
  public readonly url: string;
  /** Milliseconds one query may take. */
  public readonly timeoutMs: number;

  constructor(url: string, options: PrometheusClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * The value of a query whose result is one number (a `sum(...)`), evaluated at `time`:
   * 0 for an empty vector (no series matched), `undefined` for NaN (a quantile without observations).
   */
  async scalar(query: string, time: Date): Promise<number | undefined> {
    const params = new URLSearchParams({ query, time: (time.getTime() / 1000).toFixed(3) });
    let response: { status: number; text: string };
    try {
      response = await postForm(`${this.url}/api/v1/query`, params.toString(), this.timeoutMs);
    } catch (error) {
      const e = error as Error & { code?: string };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e.code ?? e.message);
      throw new PrometheusUnavailable(this.url, query, why);
    }
    const text = response.text;
    let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new PrometheusUnavailable(
        this.url,
        query,
        `HTTP ${response.status}, not a Prometheus API answer: ${text.slice(0, 120)}`,
      );
    }
    if (response.status < 200 || response.status > 299 || body.status !== 'success') {
      throw new PrometheusUnavailable(
        this.url,
        query,
        `HTTP ${response.status}: ${body.error ?? 'status is not success'}`,
      );
    }
    return resultValue(body.data, this.url, query);
  }
}

function resultValue(
  data: { resultType?: string; result?: unknown } | undefined,
  url: string,
  query: string,
): number | undefined {
  let raw: unknown;
  if (data?.resultType === 'scalar') {
    raw = (data.result as unknown[])[1];
  } else if (data?.resultType === 'vector') {
    const result = data.result as { value: [number, string] }[];
    if (result.length === 0) return 0;
    if (result.length > 1)
      throw new PrometheusUnavailable(url, query, `${result.length} series where one number was expected`);
    raw = result[0]!.value[1];
  } else {
    throw new PrometheusUnavailable(url, query, `unexpected result type ${String(data?.resultType)}`);
  }
  const value = Number(raw);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * POSTs a form on a connection of its own and reads the whole answer. Verification sends a handful of
 * queries, so nothing is kept alive: a pooled connection that Prometheus closed between two queries
 * would otherwise fail the next one with a socket error instead of an answer.
 */
function postForm(url: string, form: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (error: Error) => reject(error.name === 'AbortError' && error.cause ? error.cause : error));
    req.end(form);
  });
}

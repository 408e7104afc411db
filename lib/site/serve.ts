/**
 * `site --serve`: a local preview of the built page on the loopback
 * interface only. It serves `index.html` and nothing else.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A running preview. */
export interface Preview {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Serves `<dir>/index.html` on 127.0.0.1:`port` (0: any free port), read afresh on each request. */
export function serveFolder(dir: string, port: number): Promise<Preview> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || (path !== '/' && path !== '/index.html')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the preview serves /index.html only\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(readFileSync(join(dir, 'index.html')));
  });
  return new Promise((resolvePreview, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolvePreview({
        url: `http://127.0.0.1:${bound}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

// A loopback HTTP proxy that makes every request cost the same round trip: it forwards each request
// at once and hands the answer back `rttMs` after the request arrived (later only when the upstream
// takes longer than that). The registry's own work on loopback (5-15 ms per request on a busy 2-core
// machine, varying) then happens inside the round trip, as a remote registry's does inside what its
// clients measure, instead of being added to it. `rewrite` edits the answer's headers (a registry's
// challenge then names the token service's own delaying proxy as its realm).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DelayingProxy {
  host: string;
  /** Requests forwarded so far. */
  requests: number;
  close(): Promise<void>;
}

export async function startDelayingProxy(target: string, rttMs: number, rewrite: (headers: http.IncomingHttpHeaders) => http.IncomingHttpHeaders = (h) => h): Promise<DelayingProxy> {
  const [host = '127.0.0.1', port = '80'] = target.split(':');
  const agent = new http.Agent({ keepAlive: true });
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const due = sleep(rttMs);
      const upstream = http.request({ host, port, method: req.method, path: req.url, headers: { ...req.headers, host: target }, agent }, (answer) => {
        void due.then(() => {
          res.writeHead(answer.statusCode ?? 502, rewrite(answer.headers));
          answer.pipe(res);
        });
      });
      upstream.on('error', () => {
        void due.then(() => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
      });
      upstream.end(Buffer.concat(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

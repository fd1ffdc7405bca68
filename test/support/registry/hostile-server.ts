// A registry (or token service, or storage host) written in the test: a loopback HTTP server that
// answers each request as the test says, hostile answers included, and records what it was sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  authorization?: string;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface HostileServer {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Listens on `address` (127.0.0.1 unless another loopback address is wanted) on a free port. */
export async function startHostileServer(answer: (request: SeenRequest) => Answer | Promise<Answer>, address = '127.0.0.1'): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
      if (req.headers.authorization !== undefined) seen.authorization = req.headers.authorization;
      requests.push(seen);
      void Promise.resolve(answer(seen)).then((reply) => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  const host = `${address}:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A promise the test settles by hand: holds an answer back until the test says so. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

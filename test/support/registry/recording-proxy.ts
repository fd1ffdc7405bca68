// A loopback HTTP proxy in front of the registry that records every request it forwards.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeAuthorization, type RecordedRequest } from './recording.ts';

export interface RecordingProxy {
  host: string;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: { host: string; port: number }, requests: RecordedRequest[], listenPort = 0): Promise<RecordingProxy> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        requests.push({
          server: 'registry',
          method: req.method ?? '',
          path: req.url ?? '',
          status: answer.statusCode ?? 0,
          ...describeAuthorization(req.headers.authorization),
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

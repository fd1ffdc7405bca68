// A loopback HTTP proxy in front of the registry that records every request it forwards.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo } from '../forward.ts';
import { describeAuthorization, type RecordedRequest } from './recording.ts';

export interface RecordingProxy {
  host: string;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: { host: string; port: number }, requests: RecordedRequest[], listenPort = 0): Promise<RecordingProxy> {
  const forward = forwardTo(target, (req, status) => {
    requests.push({ server: 'registry', method: req.method ?? '', path: req.url ?? '', status, ...describeAuthorization(req.headers.authorization) });
  });
  const server = http.createServer((req, res) => forward.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        forward.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

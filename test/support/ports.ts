// A loopback port nothing listens on: bound to 127.0.0.1, then released. Used to start a server on
// a free port, or as a "service down" address (connection refused, never leaving the machine).
import { createServer, type AddressInfo } from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

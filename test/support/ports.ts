// A loopback port nothing listens on: bound to 127.0.0.1, then released. Used to start a server on
// a free port, or as a "service down" address (connection refused, never leaving the machine).
import { createServer, type AddressInfo } from 'node:net';
import { explainListenError, StartupError } from '../../lib/local/listen-error.ts';

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

/** The port a local dev server takes from `variable` (0 = any free one), or `fallback` when unset. */
export function portFromEnv(variable: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[variable]?.trim();
  if (!value) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new StartupError(`${variable}: expected a port from 0 to 65535 (0 picks a free one), got ${JSON.stringify(value)}`);
  return port;
}

/**
 * Throws a StartupError naming `variable` when something already listens on `port` on any
 * interface: for servers that bind every interface and fail with a stack trace of their own.
 */
export async function ensurePortFree(port: number, what: string, variable: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, exclusive: true }, resolve);
    });
  } catch (error) {
    const explained = explainListenError(error, { what, host: '*', port, portVariable: variable });
    throw explained ? new StartupError(explained, { cause: error }) : error;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

// A connector for tests that records every outgoing TCP connection attempt and refuses any whose
// host is not an IPv4 literal inside 127.0.0.0/8, so no socket is ever opened outside loopback.
// Installed on net.Socket.prototype.connect: every HTTP, HTTPS and TLS client connection goes
// through it. Restore it with the returned function.
import net from 'node:net';

export interface ConnectionAttempt {
  host: string;
  port: number;
  /** The address a custom `lookup` on the connection (e.g. a pinned one) answers for `host`. */
  address?: string;
  refused: boolean;
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Installs the connector and proves it intercepts before returning: a connection to a closed
 * loopback port must be recorded (it is let through, so nothing leaves 127.0.0.0/8 for the proof).
 */
export async function installRefusingConnector(closedLoopbackPort: number): Promise<{ attempts: ConnectionAttempt[]; restore(): void }> {
  const connector = patchConnect();
  await new Promise<void>((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port: closedLoopbackPort });
    socket.once('error', () => resolve());
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
  const seen = connector.attempts.splice(0);
  if (!seen.some((attempt) => attempt.host === '127.0.0.1' && attempt.port === closedLoopbackPort)) {
    connector.restore();
    throw new Error('the refusing connector does not intercept connections on this Node version');
  }
  return connector;
}

function patchConnect(): { attempts: ConnectionAttempt[]; restore(): void } {
  const attempts: ConnectionAttempt[] = [];
  const original = net.Socket.prototype.connect;
  // The overloads of connect() (options | port, host | path) are read by hand below.
  const patched = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: unknown; port?: unknown; path?: unknown; lookup?: unknown };
    // A Unix socket (IPC) has a string path and no host; HTTP clients pass `path: null`.
    if (typeof options.path === 'string' && options.host === undefined) return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    const host = typeof options.host === 'string' ? options.host : 'localhost';
    const refused = !LOOPBACK_V4.test(host);
    const attempt: ConnectionAttempt = { host, port: Number(options.port), refused };
    if (typeof options.lookup === 'function') {
      // Only a lookup given with the connection is asked (it answers at once); never the system resolver.
      (options.lookup as (h: string, o: object, cb: (e: unknown, a: unknown) => void) => void)(host, {}, (_error, address) => {
        if (typeof address === 'string') attempt.address = address;
      });
    }
    attempts.push(attempt);
    if (!refused) return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    process.nextTick(() => this.destroy(Object.assign(new Error(`connect ECONNREFUSED ${host} (refused by the test connector)`), { code: 'ECONNREFUSED' })));
    return this;
  };
  net.Socket.prototype.connect = patched as typeof net.Socket.prototype.connect;
  return {
    attempts,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}

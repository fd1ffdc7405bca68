// A preload (`--import`) for a child process under test, after loopback-only.ts: the one host name
// in TEST_CONNECT_TO (`<name>=127.0.0.1:<port>`) resolves to that loopback address and its sockets
// go to that port, as curl's --connect-to does. It lets a packaged bundle, which takes no injected
// transport, reach a fake behind a name that must stay as written (an ECR registry's host tells
// Archy to ask ECR for a token). Only a 127.0.0.0/8 target is accepted; every other name is left alone.
import dns from 'node:dns';
import net from 'node:net';

const [name, target] = (process.env.TEST_CONNECT_TO ?? '').split('=');
const [address, port] = (target ?? '').split(':');
if (!name || !address || !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || !/^\d+$/.test(port ?? '')) {
  throw new Error(`TEST_CONNECT_TO must be <name>=127.x.y.z:<port>, not ${JSON.stringify(process.env.TEST_CONNECT_TO)}`);
}

const lookup = dns.promises.lookup;
dns.promises.lookup = ((hostname: string, options?: dns.LookupOptions) => {
  if (hostname !== name) return lookup(hostname, options ?? {});
  return Promise.resolve(options?.all ? [{ address, family: 4 }] : { address, family: 4 });
}) as typeof dns.promises.lookup;

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectTo(this: net.Socket, ...args: unknown[]) {
  // connect(options[, listener]), or the internal form that passes [options, listener] as one array.
  const holder = (Array.isArray(args[0]) ? args[0] : args) as unknown[];
  const options = holder[0] as { host?: string; port?: number } | undefined;
  if (options && typeof options === 'object' && options.host === name) holder[0] = { ...options, host: address, port: Number(port) };
  return (connect as (...rest: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

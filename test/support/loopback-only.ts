// Preloaded into every Node process of `npm test` (NODE_OPTIONS=--import=…, so children such as
// the local server and `sls invoke local` get it too): a TCP connection may go only to 127.0.0.0/8
// or ::1. An IP literal is checked at once; a name is checked on the addresses its lookup returns
// (the connection's own lookup when it has one, as the registry transport pins vetted addresses).
// Anything else is refused before a packet is sent, and reported on stderr so the test that tried
// it fails loudly instead of reaching the network.
import dns from 'node:dns';
import net from 'node:net';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
type Lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

function refusal(target: string): NodeJS.ErrnoException {
  const message = `loopback-only test guard: refused a connection to ${target} (tests may connect only to 127.0.0.0/8)`;
  process.stderr.write(`${message}\n`);
  return Object.assign(new Error(message), { code: 'ECONNREFUSED' });
}

function guardedLookup(original: Lookup): Lookup {
  return (hostname, options, callback) => {
    original(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      const outside = addresses.find((candidate) => !LOOPBACK.test(candidate));
      if (outside !== undefined) return callback(refusal(`${hostname} (${outside})`), address, family);
      callback(null, address, family);
    });
  };
}

const connect = net.Socket.prototype.connect;
// connect() has several overloads (options | port, host | path); they are read by hand here.
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  const options = (typeof first === 'object' && first !== null ? { ...first } : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined }) as net.TcpSocketConnectOpts & { path?: unknown };
  if (typeof options.path === 'string') return (connect as (...a: unknown[]) => net.Socket).apply(this, args); // IPC
  const host = options.host ?? 'localhost';
  if (net.isIP(host)) {
    if (!LOOPBACK.test(host)) {
      process.nextTick(() => this.destroy(refusal(`${host}:${String(options.port)}`)));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  }
  const callback = args.find((arg) => typeof arg === 'function');
  const guarded = { ...options, lookup: guardedLookup((options.lookup ?? dns.lookup) as Lookup) };
  return (connect as (...a: unknown[]) => net.Socket).apply(this, callback ? [guarded, callback] : [guarded]);
};

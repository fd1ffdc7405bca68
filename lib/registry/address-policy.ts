// PURE: which IP addresses a registry lookup may connect to. Image names come from users and the
// function may run inside a VPC, so internal addresses are refused unless configured.
import { isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'carrier-nat' | 'invalid';

/** Classifies an IPv4 or IPv6 address literal (IPv4-mapped IPv6 addresses count as their IPv4). */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare.split('%')[0] ?? '');
  if (family === 4) return classifyIPv4(bare);
  if (family === 6) return classifyIPv6(bare.split('%')[0] as string);
  return 'invalid';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

function classifyIPv4(address: string): AddressClass {
  const [a, b] = address.split('.').map(Number) as [number, number, number, number];
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b >= 64 && b <= 127) return 'carrier-nat';
  return 'public';
}

function classifyIPv6(address: string): AddressClass {
  const words = expandIPv6(address.toLowerCase());
  if (!words) return 'invalid';
  const isZero = (from: number, to: number): boolean => words.slice(from, to).every((w) => w === 0);
  if (isZero(0, 8)) return 'unspecified';
  if (isZero(0, 7) && words[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) and 64:ff9b::a.b.c.d (NAT64) carry an IPv4 address.
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && isZero(2, 6);
  if ((isZero(0, 5) && (words[5] === 0xffff || words[5] === 0)) || nat64) {
    const hi = words[6] as number;
    const lo = words[7] as number;
    return classifyIPv4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const first = words[0] as number;
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  return 'public';
}

function expandIPv6(address: string): number[] | undefined {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // Rewrite a trailing dotted IPv4 part as two hex words.
    if (isIP(last) !== 4) return undefined;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? parseInt(h, 16) : NaN)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const explicit = head.length + rest.length;
  if (halves.length === 1 && explicit !== 8) return undefined;
  if (explicit > (halves.length === 2 ? 7 : 8) || [...head, ...rest].some((w) => Number.isNaN(w))) return undefined;
  const zeros = halves.length === 2 ? new Array<number>(8 - explicit).fill(0) : [];
  return [...head, ...zeros, ...rest];
}

export interface ConnectionLists {
  /** `host[:port]` reached over plain HTTP (and allowed on internal addresses). */
  insecureRegistries: readonly string[];
  /** `host[:port]` allowed on internal addresses over HTTPS. */
  privateRegistries: readonly string[];
}

export interface ConnectionAllowance {
  plainHttp: boolean;
  internalAddresses: boolean;
}

/**
 * What a connection to `url` may do. Token realms and blob redirects are named by registries, so
 * each connection is judged on its own host and port, never on the registry it is made for: a
 * listing with a port allows that port only, a listing without one the host on any port.
 */
export function connectionAllowance(url: URL, lists: ConnectionLists): ConnectionAllowance {
  const insecure = isListed(url, lists.insecureRegistries);
  return { plainHttp: insecure, internalAddresses: insecure || isListed(url, lists.privateRegistries) };
}

/** Whether `url`'s host and port (the scheme's default when it has none) match an entry of `list`. */
export function isListed(url: URL | string, list: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  const host = parsed.hostname.toLowerCase();
  const port = parsed.port || (parsed.protocol === 'http:' ? '80' : '443');
  return list.some((entry) => {
    const listed = entry.toLowerCase();
    const name = hostName(listed);
    const listedPort = listed.slice(name.length + 1);
    return name === host && (listedPort === '' || listedPort === port);
  });
}

/** `host:port` → `host`; `[::1]:5000` → `[::1]`. */
export function hostName(hostWithPort: string): string {
  if (hostWithPort.startsWith('[')) return hostWithPort.slice(0, hostWithPort.indexOf(']') + 1);
  const colon = hostWithPort.lastIndexOf(':');
  return colon === -1 ? hostWithPort : hostWithPort.slice(0, colon);
}

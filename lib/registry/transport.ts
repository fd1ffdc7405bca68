// HTTP to registries: keep-alive agents, HTTPS unless a host is listed as insecure, and an address
// guard that resolves the host itself and connects to the vetted address (no DNS rebinding).
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, connectionAllowance, type ConnectionLists } from './address-policy.ts';
import { RegistryError } from './errors.ts';

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** The registry this request is made for: decides what the connection is allowed to do. */
  registry: string;
}

export interface TransportResponse {
  status: number;
  /** Lowercase names; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  body: AsyncIterable<Uint8Array>;
  /** Stops reading and frees the connection. */
  cancel(): void;
}

export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
}

export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface NodeTransportOptions extends ConnectionLists {
  /** Resolves a host name to every address (default: dns.lookup with all addresses). */
  lookup?: ResolveHost;
}

const defaultResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const TLS_ERROR = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL)/;

export class NodeTransport implements Transport {
  readonly #lists: ConnectionLists;
  readonly #resolve: ResolveHost;
  readonly #httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo' });
  readonly #httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo' });

  constructor(options: NodeTransportOptions) {
    this.#lists = { insecureRegistries: options.insecureRegistries, privateRegistries: options.privateRegistries };
    this.#resolve = options.lookup ?? defaultResolve;
  }

  async request(request: TransportRequest): Promise<TransportResponse> {
    const { url } = request;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RegistryError('refused', request.registry, `refusing a URL that is neither HTTP nor HTTPS for ${describeHost(request)}`);
    }
    const allowance = connectionAllowance(url, this.#lists);
    if (url.protocol === 'http:' && !allowance.plainHttp) {
      throw new RegistryError('refused', request.registry, `refusing plain HTTP to ${describeHost(request)}: list it in ARCHY_INSECURE_REGISTRIES to allow it`);
    }
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const address = await this.#vet(hostname, allowance.internalAddresses, request);

    return new Promise<TransportResponse>((resolve, reject) => {
      const options: https.RequestOptions = {
        method: request.method,
        host: hostname,
        port: url.port || (url.protocol === 'https:' ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers: request.headers,
        agent: url.protocol === 'https:' ? this.#httpsAgent : this.#httpAgent,
        signal: request.signal,
      };
      if (!isIP(hostname)) {
        options.lookup = pinnedLookup(address);
        options.servername = hostname;
      }
      const req = (url.protocol === 'https:' ? https : http).request(options, (res) => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const onAbort = (): void => {
          res.destroy(request.signal.reason as Error);
        };
        request.signal.addEventListener('abort', onAbort, { once: true });
        res.once('close', () => request.signal.removeEventListener('abort', onAbort));
        resolve({ status: res.statusCode ?? 0, headers, body: res, cancel: () => res.destroy() });
      });
      req.once('error', (error: NodeJS.ErrnoException) => reject(toRegistryError(error, request)));
      req.end(request.body);
    });
  }

  /** Closes idle keep-alive connections (tests; Lambda freezes instead). */
  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  async #vet(hostname: string, allowInternal: boolean, request: TransportRequest): Promise<string> {
    let addresses: string[];
    if (isIP(hostname)) {
      addresses = [hostname];
    } else {
      try {
        addresses = (await this.#resolve(hostname)).map((entry) => entry.address);
      } catch (error) {
        throw toRegistryError(error as NodeJS.ErrnoException, request);
      }
    }
    if (addresses.length === 0) throw new RegistryError('network', request.registry, `could not resolve ${describeHost(request)}`);
    if (!allowInternal) {
      for (const address of addresses) {
        const kind = classifyAddress(address);
        if (kind !== 'public') {
          // Short: it ends up in a kubectl warning of at most 256 characters.
          throw new RegistryError(
            'refused',
            request.registry,
            `refusing to connect to ${describeHost(request)}: ${kind} address (${address}); list it in ARCHY_PRIVATE_REGISTRIES or ARCHY_INSECURE_REGISTRIES`,
          );
        }
      }
    }
    return addresses[0] as string;
  }
}

/** A lookup that answers with the address already vetted, whatever DNS says now. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

function toRegistryError(error: NodeJS.ErrnoException, request: TransportRequest): RegistryError {
  if (error instanceof RegistryError) return error;
  if (request.signal.aborted || error.name === 'AbortError') {
    return new RegistryError('timeout', request.registry, `registry ${request.registry} did not answer within the time budget`);
  }
  const code = error.code ?? '';
  if (TLS_ERROR.test(code)) {
    return new RegistryError('tls', request.registry, `TLS with ${describeHost(request)} failed (${code})`);
  }
  return new RegistryError('network', request.registry, `could not reach ${describeHost(request)}${/^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : ''}`);
}

/**
 * The host for a message: the registry's own (from the image name, the user's text), or only its
 * role when the registry named it (a token realm, a redirect): registry text is never repeated.
 */
function describeHost(request: TransportRequest): string {
  return request.url.host === ownHost(request) ? request.url.host : `a host named by registry ${request.registry}`;
}

/** The registry's `host[:port]` as the URL spells it (lowercase, default port dropped). */
function ownHost(request: TransportRequest): string | undefined {
  try {
    return new URL(`${request.url.protocol}//${request.registry}`).host;
  } catch {
    return undefined;
  }
}

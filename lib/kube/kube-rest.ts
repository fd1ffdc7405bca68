// JSON from and to the Kubernetes API over node:http(s): the list calls of the cluster view, and the
// few calls of Events (one GET of a ReplicaSet's metadata, a POST of an Event).
// The view refreshes in the background of a function whose every admission counts, so it does not
// load @kubernetes/client-node (4 MB) where it does not need it: a direct connection (EKS, or an
// API URL: what Lambda uses) is plain HTTPS with a CA and a bearer token. Only a kubeconfig
// (local runs: client certificates, exec plugins, proxies) borrows the library's own options.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { SingleFlightCache, untilAborted, type Loaded } from '../single-flight.ts';
import { KubeError } from './kube-error.ts';
import type { KubeConnection } from './kube-connection.ts';

export interface KubeRest {
  /** The parsed JSON body; a KubeError for an error status, a timeout or a body over `maxBytes`. */
  getJson(path: string, query: Record<string, string | undefined>, options: RequestOptions): Promise<unknown>;
}

/** Creates (Events): kept apart so that readers need not offer it. */
export interface KubeCreate {
  /** POSTs `body` as JSON; the parsed answer, or a KubeError as for getJson. */
  postJson(path: string, body: unknown, options: RequestOptions): Promise<unknown>;
}

export interface RequestOptions {
  signal: AbortSignal;
  maxBytes: number;
  /** The Accept header; `application/json` when absent. */
  accept?: string;
  /** What the request reads, for error messages (`secret team/regcred`); its path when absent. */
  what?: string;
}

interface Target {
  base: URL;
  /** Request options for one request: TLS trust, client certificate, Authorization. */
  options(signal: AbortSignal): Promise<https.RequestOptions>;
}

const CONNECT_BUDGET_MS = 10_000;
const NO_KUBE = 'no Kubernetes API configured (no EKS cluster, API URL or kubeconfig)';

export function createKubeRest(connect: (signal: AbortSignal) => Promise<KubeConnection | undefined>): KubeRest & KubeCreate {
  const targets = new SingleFlightCache<Target | 'unavailable'>({ maxEntries: 1, loadTimeoutMs: CONNECT_BUDGET_MS });
  const build = async (budget: AbortSignal): Promise<Loaded<Target | 'unavailable'>> => {
    const connection = await connect(budget);
    return { value: connection === undefined ? 'unavailable' : await targetOf(connection), ttlMs: Number.POSITIVE_INFINITY };
  };

  const send = async (method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, options: RequestOptions, body?: string): Promise<unknown> => {
    const { signal } = options;
    let target: Target | 'unavailable';
    try {
      target = await targets.get('target', build, signal);
    } catch (error) {
      throw asKubeError(error, signal, 'Kubernetes API');
    }
    if (target === 'unavailable') throw new KubeError(0, 'Unavailable', NO_KUBE);
    const url = new URL(path.replace(/^\/+/, ''), target.base);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    try {
      return await exchange({ method, url, options: await target.options(signal), signal, maxBytes: options.maxBytes, accept: options.accept, body, what: options.what ?? path });
    } catch (error) {
      throw asKubeError(error, signal, options.what ?? path);
    }
  };

  return {
    getJson: (path, query, options) => send('GET', path, query, options),
    postJson: (path, body, options) => send('POST', path, {}, options, JSON.stringify(body)),
  };
}

async function targetOf(connection: KubeConnection): Promise<Target> {
  if (connection.kind === 'kubeconfig') return kubeconfigTarget(connection.path);
  const base = baseUrl(connection.server);
  // As the Kubernetes client does: plain HTTP only when TLS verification is explicitly off.
  if (base.protocol === 'http:' && connection.skipTLSVerify !== true) {
    throw new KubeError(0, 'Unavailable', 'an http:// Kubernetes API needs skipTLSVerify');
  }
  const ca = connection.caData === undefined ? undefined : Buffer.from(connection.caData, 'base64');
  const { bearerToken } = connection;
  return {
    base,
    async options(signal) {
      const options: https.RequestOptions = { rejectUnauthorized: connection.skipTLSVerify !== true };
      if (ca !== undefined) options.ca = ca;
      // The request waits for a token only until its own signal, whatever the provider does with it.
      if (bearerToken !== undefined) options.headers = { Authorization: `Bearer ${await untilAborted(bearerToken(signal), signal)}` };
      return options;
    },
  };
}

async function kubeconfigTarget(path: string | undefined): Promise<Target> {
  const { KubeConfig: Config } = await import('@kubernetes/client-node');
  const config: KubeConfig = new Config();
  if (path === undefined) config.loadFromCluster();
  else config.loadFromFile(path);
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new KubeError(0, 'Unavailable', 'the kubeconfig names no cluster server');
  return {
    base: baseUrl(server),
    async options() {
      // TLS material, the agent (proxies included) and Authorization, exec plugins and token files too.
      const options: https.RequestOptions = {};
      await config.applyToHTTPSOptions(options);
      return options;
    },
  };
}

/** The server URL as a base for relative paths: it may carry a path prefix (a proxy). */
function baseUrl(server: string): URL {
  const base = new URL(server);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return base;
}

interface Exchange {
  method: 'GET' | 'POST';
  url: URL;
  options: https.RequestOptions;
  signal: AbortSignal;
  maxBytes: number;
  accept?: string;
  body?: string;
  what: string;
}

function exchange({ method, url, options, signal, maxBytes, accept, body, what }: Exchange): Promise<unknown> {
  const client = url.protocol === 'http:' ? http : https;
  const headers: Record<string, string> = { ...(options.headers as Record<string, string> | undefined), Accept: accept ?? 'application/json' };
  if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  return new Promise((resolve, reject) => {
    const request = client.request(url, { ...options, method, headers, signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          response.destroy();
          reject(new KubeError(0, 'TooLarge', `${what}: the answer is larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('close', () => {
        if (!response.complete) reject(new Error('the connection closed before the answer was complete'));
      });
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 299) {
          const reason = statusReason(body) ?? reasonForCode(status);
          reject(new KubeError(status, reason, `${what}: ${reason} (HTTP ${status})`));
          return;
        }
        try {
          resolve(JSON.parse(body) as unknown);
        } catch {
          reject(new KubeError(status, 'InvalidResponse', `${what}: the answer is not JSON`));
        }
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The `reason` of a Kubernetes `Status` body, when the body is one. */
function statusReason(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { kind?: unknown; reason?: unknown };
    return status.kind === 'Status' && typeof status.reason === 'string' && /^[A-Za-z]{1,64}$/.test(status.reason) ? status.reason : undefined;
  } catch {
    return undefined;
  }
}

function reasonForCode(code: number): string {
  const reasons: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 410: 'Expired', 429: 'TooManyRequests' };
  return reasons[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}

function asKubeError(error: unknown, signal: AbortSignal, what: string): KubeError {
  if (error instanceof KubeError) return error;
  if (signal.aborted || (error instanceof Error && ['AbortError', 'TimeoutError', 'DeadlineExceededError'].includes(error.name))) {
    return new KubeError(0, 'Timeout', `${what}: no answer within the time budget`);
  }
  return new KubeError(0, 'Unreachable', `${what}: ${error instanceof Error ? error.message : String(error)}`);
}

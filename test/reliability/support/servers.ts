// Small loopback servers for fault injection. Everything binds 127.0.0.1 only.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from '../../../lib/local/certificate.ts';
import { freeLoopbackPort } from '../../support/ports.ts';
import { forwardTo } from '../../support/forward.ts';

export const MULTI_ARCH_INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'2'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 'arm64' } },
  ],
});

export function answerIndex(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'content-length': Buffer.byteLength(MULTI_ARCH_INDEX) });
  res.end(MULTI_ARCH_INDEX);
}

export interface LoopbackServer {
  host: string;
  port: number;
  /** Requests received (by arrival order). */
  hits: number;
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, attempt: number) => void;

function track(server: http.Server | https.Server | net.Server, counters: { connections: number }): void {
  server.on('connection', () => {
    counters.connections += 1;
  });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server | https.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** A plain-HTTP registry on 127.0.0.1 answering through `handler`. */
export function startHttpServer(handler: Handler): Promise<LoopbackServer> {
  return serveCounting((listener) => http.createServer(listener), handler);
}

/** An HTTPS server with a fresh self-signed certificate for 127.0.0.1; `cert` is its PEM. */
export async function startHttpsServer(handler: Handler): Promise<LoopbackServer & { cert: string }> {
  const tls = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
  return Object.assign(await serveCounting((listener) => https.createServer(tls, listener), handler), { cert: tls.cert });
}

/** Starts `create(listener)` on a loopback port, counting requests (hits) and connections. */
async function serveCounting(create: (listener: http.RequestListener) => http.Server | https.Server, handler: Handler): Promise<LoopbackServer> {
  const state = { hits: 0, connections: 0 };
  const server = create((req, res) => {
    state.hits += 1;
    handler(req, res, state.hits);
  });
  track(server, state);
  return loopbackServer(await listen(server), state, closer(server));
}

/** The handle tests read: where it listens and what it has seen so far. */
function loopbackServer(port: number, state: { hits: number; connections: number }, close: () => Promise<void>): LoopbackServer {
  return {
    host: `127.0.0.1:${port}`,
    port,
    get hits() {
      return state.hits;
    },
    get connections() {
      return state.connections;
    },
    close,
  };
}

/** A raw TCP listener that accepts and never answers; counts connections. */
export async function startSilentListener(): Promise<LoopbackServer> {
  const state = { hits: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return loopbackServer(port, state, close);
}

/** A loopback port that nothing listens on (bound, then released). */
export const closedPort = freeLoopbackPort;

/**
 * An HTTPS front for a plain-HTTP loopback service (the Kubernetes fake): ARCHY_KUBE_API_URL must
 * be https. Returns the URL and the CA bundle (base64 PEM) to trust.
 */
export async function startTlsFront(targetUrl: string): Promise<{ url: string; caData: string; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const forward = forwardTo({ host: target.hostname, port: target.port });
  const front = await startHttpsServer((req, res) => forward.handle(req, res));
  return {
    url: `https://${front.host}`,
    caData: Buffer.from(front.cert).toString('base64'),
    close: async () => {
      forward.close();
      await front.close();
    },
  };
}

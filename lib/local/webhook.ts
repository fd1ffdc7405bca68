// The webhook as `npm run local` and `npm run demo` run it: the real Lambda handler behind the
// local HTTPS server, on ARCHY_HOST:ARCHY_PORT, with the given certificate or the one kept in
// ARCHY_TLS_DIR (`.archy/`), and the addresses to reach it from this machine and from a cluster.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { certificateNames, isWildcard, storedCertificate } from './certificate-store.ts';
import { explainListenError, StartupError } from './listen-error.ts';
import { startLocalServer, type LambdaHandler } from './server.ts';

export const DEFAULT_TLS_DIR = fileURLToPath(new URL('../../.archy/', import.meta.url));

export interface LocalWebhook {
  /** `host:port` the server listens on. */
  listening: string;
  /** `https://host:port` from this machine. */
  origin: string;
  /** The mutate URL from this machine (`/<ARCHY_WEBHOOK_TOKEN>` stands for the token). */
  url: string;
  /** The mutate URL for a kind or dev cluster's MutatingWebhookConfiguration. */
  clusterUrl: string;
  /** Whether a cluster can reach it at all (false while it listens on loopback only). */
  reachableFromCluster: boolean;
  certFile: string;
  caBundle: string;
  /** `reused` or `created` (in ARCHY_TLS_DIR), or `given` (ARCHY_TLS_CERT_FILE). */
  certificate: 'reused' | 'created' | 'given';
  validTo?: Date;
  close(): Promise<void>;
}

export function tlsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ARCHY_TLS_DIR?.trim() || DEFAULT_TLS_DIR;
}

export async function startLocalWebhook(config: Config, handler: LambdaHandler, dir: string): Promise<LocalWebhook> {
  const tls = await certificate(config, dir);
  let server;
  try {
    server = await startLocalServer({ handler, host: config.host, port: config.port, cert: tls.cert, key: tls.key });
  } catch (error) {
    const explained = explainListenError(error, { what: 'the webhook', host: config.host, port: config.port, portVariable: 'ARCHY_PORT', hostVariable: 'ARCHY_HOST' });
    throw explained ? new StartupError(explained, { cause: error }) : error;
  }
  const path = `/mutate${config.webhookToken ? '/<ARCHY_WEBHOOK_TOKEN>' : ''}`;
  const loopback = isLoopback(config.host);
  const clusterHost = isWildcard(config.host) || loopback ? 'host.docker.internal' : urlHost(config.host);
  const origin = `https://${isWildcard(config.host) ? '127.0.0.1' : urlHost(config.host)}:${server.port}`;
  return {
    listening: `${urlHost(config.host)}:${server.port}`,
    origin,
    url: `${origin}${path}`,
    clusterUrl: `https://${clusterHost}:${server.port}${path}`,
    reachableFromCluster: !loopback,
    certFile: tls.certFile,
    caBundle: Buffer.from(tls.cert).toString('base64'),
    certificate: tls.source,
    ...(tls.validTo ? { validTo: tls.validTo } : {}),
    close: () => server.close(),
  };
}

async function certificate(config: Config, dir: string): Promise<{ cert: string; key: string; certFile: string; source: LocalWebhook['certificate']; validTo?: Date }> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    const [cert, key] = await Promise.all([readFile(config.tlsCertFile, 'utf8'), readFile(config.tlsKeyFile, 'utf8')]);
    return { cert, key, certFile: config.tlsCertFile, source: 'given' };
  }
  const stored = await storedCertificate(dir, certificateNames(config.host, hostname()));
  return { cert: stored.cert, key: stored.key, certFile: stored.certFile, source: stored.reused ? 'reused' : 'created', validTo: stored.validTo };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

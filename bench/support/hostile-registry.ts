// A malicious registry for the adversarial benchmark (bench/adversarial.ts): a plain node:http
// server on 127.0.0.1 that answers what a hostile or broken registry could, within the protocol:
//
//   /v2/big/<n>/manifests/<tag>      an OCI index just under the 4 MiB body cap with ~80,000
//                                    platform entries (a few real ones, then `a0`, `a1`, …);
//                                    `<n>` varies a small head so every repository has its own digest
//   /v2/nested/root/manifests/<tag>  an index listing NESTED_CHILDREN nested indexes, each served
//                                    by digest (content that matches it) as a small index itself
//   /v2/many/<n>/manifests/<tag>     a small two-platform index (a well-behaved answer)
//
// Every body is built once at start; a request only writes prepared buffers, so the server costs
// the benchmark little CPU. Requests are counted by kind. The server answers at most
// MAX_REQUESTS requests (then 503 and close) so no client loop can run it forever.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The manifest body cap of lib/registry/client.ts (DEFAULT_MAX_BYTES). */
export const BODY_CAP_BYTES = 4 * 1024 * 1024;
/** Room left under the cap, so the big index is "just under" it. */
const BIG_SLACK_BYTES = 512;
export const NESTED_CHILDREN = 20_000;
const MAX_REQUESTS = 200_000;

const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export interface RegistryCounts {
  /** Every HTTP request received. */
  total: number;
  /** Manifest GET/HEAD by tag. */
  manifestByTag: number;
  /** Manifest GET/HEAD by digest (nested indexes). */
  manifestByDigest: number;
  /** Anything else (/v2/, blobs, unknown paths). */
  other: number;
  /** Response body bytes written. */
  bytesSent: number;
  /** Most requests open at the same time. */
  maxInFlight: number;
}

export interface HostileRegistry {
  host: string;
  /** What the big index holds: its size in bytes and its platform entries. */
  big: { bytes: number; entries: number };
  nested: { topBytes: number; children: number };
  counts(): RegistryCounts;
  reset(): void;
  close(): Promise<void>;
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const fakeDigest = (seed: string): string => sha256(Buffer.from(seed));

/** The tail shared by every big index: the entries, then the closing brackets. */
function bigTail(headBytes: number): { tail: Buffer; entries: number } {
  const real = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
    { architecture: 'arm', os: 'linux', variant: 'v7' },
    { architecture: 'ppc64le', os: 'linux' },
    { architecture: 's390x', os: 'linux' },
    { architecture: 'riscv64', os: 'linux' },
  ].map((platform) => JSON.stringify({ mediaType: MANIFEST_TYPE, digest: fakeDigest(JSON.stringify(platform)), size: 1234, platform }));
  const parts: string[] = [...real];
  let bytes = headBytes + real.reduce((sum, part) => sum + part.length + 1, 0) + 2;
  // Compact entries (a platform and nothing else: the parser keeps them) to reach ~80,000.
  for (let i = 0; ; i += 1) {
    const entry = `{"platform":{"architecture":"a${i.toString(36)}","os":"linux"}}`;
    if (bytes + entry.length + 1 > BODY_CAP_BYTES - BIG_SLACK_BYTES) break;
    parts.push(entry);
    bytes += entry.length + 1;
  }
  return { tail: Buffer.from(`${parts.join(',')}]}`), entries: parts.length };
}

/** The per-repository head of a big index: same length for every `n`, so the size never varies. */
function bigHead(n: number): Buffer {
  return Buffer.from(`{"schemaVersion":2,"mediaType":"${INDEX_TYPE}","annotations":{"bench.variant":"${String(n % 1e6).padStart(6, '0')}"},"manifests":[`);
}

function nestedIndexes(children: number): { top: Buffer; byDigest: Map<string, Buffer> } {
  const byDigest = new Map<string, Buffer>();
  const descriptors: string[] = [];
  for (let i = 0; i < children; i += 1) {
    const platform = { architecture: i % 2 === 0 ? 'amd64' : 'arm64', os: 'linux' };
    const child = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX_TYPE,
      manifests: [{ mediaType: MANIFEST_TYPE, digest: fakeDigest(`child-${i}`), size: 500, platform }],
      annotations: { 'bench.child': String(i) },
    }));
    const digest = sha256(child);
    byDigest.set(digest, child);
    descriptors.push(JSON.stringify({ mediaType: INDEX_TYPE, digest, size: child.length }));
  }
  return { top: Buffer.from(`{"schemaVersion":2,"mediaType":"${INDEX_TYPE}","manifests":[${descriptors.join(',')}]}`), byDigest };
}

export const SMALL_INDEX = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: INDEX_TYPE,
  manifests: [
    { mediaType: MANIFEST_TYPE, digest: fakeDigest('small-amd64'), size: 500, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: MANIFEST_TYPE, digest: fakeDigest('small-arm64'), size: 500, platform: { os: 'linux', architecture: 'arm64' } },
  ],
}));

const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/]+)$/;

export async function startHostileRegistry(): Promise<HostileRegistry> {
  const headBytes = bigHead(0).length;
  const { tail, entries } = bigTail(headBytes);
  const nested = nestedIndexes(NESTED_CHILDREN);
  const counts: RegistryCounts = { total: 0, manifestByTag: 0, manifestByDigest: 0, other: 0, bytesSent: 0, maxInFlight: 0 };
  let inFlight = 0;
  let served = 0;

  const send = (res: http.ServerResponse, head: boolean, parts: Buffer[]): void => {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    res.writeHead(200, { 'content-type': INDEX_TYPE, 'content-length': length });
    if (head) {
      res.end();
      return;
    }
    counts.bytesSent += length;
    for (const part of parts.slice(0, -1)) res.write(part);
    res.end(parts.at(-1));
  };

  const server = http.createServer((req, res) => {
    served += 1;
    counts.total += 1;
    inFlight += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    if (served > MAX_REQUESTS) {
      res.writeHead(503, { connection: 'close' });
      res.end();
      return;
    }
    const head = req.method === 'HEAD';
    const match = MANIFEST_PATH.exec(req.url ?? '');
    if (!match || (req.method !== 'GET' && !head)) {
      counts.other += 1;
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    const [, repository = '', reference = ''] = match;
    const byDigest = reference.startsWith('sha256:');
    if (byDigest) counts.manifestByDigest += 1;
    else counts.manifestByTag += 1;

    if (byDigest) {
      const child = nested.byDigest.get(reference);
      if (child) return send(res, head, [child]);
    } else if (repository.startsWith('big/')) {
      return send(res, head, [bigHead(Number(repository.slice(4)) || 0), tail]);
    } else if (repository === 'nested/root') {
      return send(res, head, [nested.top]);
    } else if (repository.startsWith('many/')) {
      return send(res, head, [SMALL_INDEX]);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server);
  return {
    host: `127.0.0.1:${port}`,
    big: { bytes: headBytes + tail.length, entries },
    nested: { topBytes: nested.top.length, children: NESTED_CHILDREN },
    counts: () => ({ ...counts }),
    reset: () => {
      Object.assign(counts, { total: 0, manifestByTag: 0, manifestByDigest: 0, other: 0, bytesSent: 0, maxInFlight: inFlight });
    },
    close: () => closeServer(server),
  };
}

export interface HealthyRegistry {
  host: string;
  requests(): number;
  close(): Promise<void>;
}

/** A healthy registry: every manifest is the small two-platform index. Counts requests. */
export async function startHealthyRegistry(): Promise<HealthyRegistry> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    if (!MANIFEST_PATH.test(req.url ?? '')) {
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': INDEX_TYPE, 'content-length': SMALL_INDEX.length });
    res.end(req.method === 'HEAD' ? undefined : SMALL_INDEX);
  });
  const port = await listen(server);
  return { host: `127.0.0.1:${port}`, requests: () => requests, close: () => closeServer(server) };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

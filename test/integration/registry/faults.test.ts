// Slow, failing and rate-limiting registries (small loopback HTTP servers written here).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Deadline } from '../../../lib/deadline.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import { RegistryClient, RegistryError } from '../../../lib/registry/client.ts';
import { startReferenceTimers, type Timing } from '../../support/timing.ts';

const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 'arm64' } }],
});

interface Served {
  host: string;
  hits: number[];
}

const servers: http.Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A registry answering by attempt number; records when each request arrived. */
async function serve(answer: (attempt: number, res: http.ServerResponse, req: http.IncomingMessage) => void): Promise<Served> {
  const hits: number[] = [];
  const server = http.createServer((req, res) => {
    hits.push(Date.now());
    answer(hits.length, res, req);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function ok(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
  res.end(INDEX);
}

/** `limitsMs`: reference timers for `timing.within()` (test/support/timing.ts), not wall-clock bounds. */
async function resolveWithin(host: string, budgetMs: number, random = 0.5, limitsMs: readonly number[] = []): Promise<{ result?: unknown; error?: RegistryError; timing: Timing }> {
  const client = new RegistryClient({ insecureRegistries: [host], privateRegistries: [], random: () => random });
  const watch = startReferenceTimers(limitsMs);
  const deadline = new Deadline(budgetMs);
  try {
    return { result: await client.resolve(parseReference(`${host}/app:1`), { deadline }), timing: watch.stop() };
  } catch (error) {
    const timing = watch.stop();
    assert.ok(error instanceof RegistryError, String(error));
    return { error, timing };
  } finally {
    deadline.dispose();
  }
}

describe('time budget and retries', () => {
  test('a registry slower than the budget gives a timeout inside the budget', async () => {
    const slow = await serve((_attempt, res) => setTimeout(() => ok(res), 2000));
    const { error, timing } = await resolveWithin(slow.host, 300, 0.5, [600]);
    assert.equal(error?.kind, 'timeout');
    assert.match(error?.message ?? '', /did not answer within the time budget/);
    assert.ok(timing.within(600), `took ${Math.round(timing.elapsedMs)} ms`);
  });

  test('5xx then success is retried', async () => {
    const flaky = await serve((attempt, res) => {
      if (attempt < 3) {
        res.writeHead(503);
        res.end();
      } else ok(res);
    });
    const { result, error } = await resolveWithin(flaky.host, 3000);
    assert.equal(error, undefined);
    assert.deepEqual((result as { platforms: unknown }).platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(flaky.hits.length, 3);
  });

  test('a registry that keeps failing gives a server error after the last attempt, in our words', async () => {
    const broken = await serve((_attempt, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage backend down' }] }));
    });
    const { error } = await resolveWithin(broken.host, 5000, 0);
    assert.equal(error?.kind, 'server');
    assert.equal(error?.message, `registry ${broken.host} answered 500: unknown error`);
    assert.equal(broken.hits.length, 4);
  });

  test('429 with Retry-After is honoured', async () => {
    const limited = await serve((attempt, res) => {
      if (attempt === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
      } else ok(res);
    });
    const { error } = await resolveWithin(limited.host, 3000);
    assert.equal(error, undefined);
    const [first = 0, second = 0] = limited.hits;
    assert.ok(second - first >= 950, `waited only ${second - first} ms`);
  });

  test('a Retry-After past the deadline is not waited for: rate-limited at once', async () => {
    const limited = await serve((_attempt, res) => {
      res.writeHead(429, { 'retry-after': '30' });
      res.end();
    });
    const { error, timing } = await resolveWithin(limited.host, 2000, 0.5, [1000]);
    assert.equal(error?.kind, 'rate-limited');
    assert.equal(limited.hits.length, 1);
    assert.ok(timing.within(1000), `took ${Math.round(timing.elapsedMs)} ms: the 30 s Retry-After or the 2 s budget was waited for`);
  });

  test('404 is an answer: asked once', async () => {
    const missing = await serve((_attempt, res) => {
      res.writeHead(404);
      res.end();
    });
    const { error } = await resolveWithin(missing.host, 2000);
    assert.equal(error?.kind, 'not-found');
    assert.equal(missing.hits.length, 1);
  });
});

test('a blob redirect to another host does not carry Authorization there', async () => {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux' });
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: configDigest, size: config.length },
    layers: [],
  });
  const storageAuth: Array<string | undefined> = [];
  const storage = await serve((_attempt, res, req) => {
    storageAuth.push(req.headers.authorization);
    res.end(config);
  });
  const storageHost = storage.host;
  const registry = await serve((_attempt, res, req) => {
    if (!req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' });
      res.end();
    } else if (req.url?.includes('/manifests/')) {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' });
      res.end(manifest);
    } else {
      res.writeHead(307, { location: `http://${storageHost}/bucket/blob?X-Amz-Signature=abc` });
      res.end();
    }
  });
  const client = new RegistryClient({ insecureRegistries: [registry.host, storageHost], privateRegistries: [] });
  const deadline = new Deadline(3000);
  const result = await client.resolve(parseReference(`${registry.host}/app:1`), {
    deadline,
    credentials: [{ kind: 'basic', username: 'u', password: 'p', identity: 'i' }],
  });
  deadline.dispose();
  assert.deepEqual(result.platforms, [{ os: 'linux', architecture: 'amd64' }]);
  assert.deepEqual(storageAuth, [undefined]);
});

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Deadline } from '../../../lib/deadline.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import { RegistryClient, RegistryError } from '../../../lib/registry/client.ts';
import { NodeTransport } from '../../../lib/registry/transport.ts';
import type { Metrics } from '../../../lib/metrics/metrics.ts';
import type { RegistryCredential } from '../../../lib/types.ts';
import { FakeTransport, type FakeAnswer } from './fake-transport.ts';

const sha = (body: string | Buffer): string => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const PASSWORD = 's3cret-pa55word';
const alice: RegistryCredential = { kind: 'basic', username: 'alice', password: PASSWORD, identity: 'id-alice' };
const bob: RegistryCredential = { kind: 'basic', username: 'bob', password: 'bobs-password', identity: 'id-bob' };

const config = JSON.stringify({ architecture: 'arm64', os: 'linux' });
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [],
});

function withDeadline<T>(ms: number, run: (deadline: Deadline) => Promise<T>): Promise<T> {
  const deadline = new Deadline(ms);
  return run(deadline).finally(() => deadline.dispose());
}

async function expectRegistryError(promise: Promise<unknown>, kind: string): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RegistryError, String(error));
    assert.equal(error.kind, kind, error.message);
    assert.ok(!error.message.includes(PASSWORD));
    return error;
  }
  assert.fail('expected a RegistryError');
}

describe('RegistryClient with an injected transport', () => {
  test('a single-arch image: manifest GET then a config blob that redirects to storage without Authorization', async () => {
    const transport = new FakeTransport((req): FakeAnswer => {
      const path = req.url.pathname;
      if (req.url.host === 'storage.example') return { status: 200, body: config };
      if (req.url.host === 'auth.example') return { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: 300 }) };
      if (!req.headers.authorization) return { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="https://auth.example/token",service="reg.example"' } };
      if (path.includes('/manifests/')) return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest };
      return { status: 307, headers: { location: `https://storage.example/blob?sig=1` } };
    });
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    const result = await withDeadline(2000, (deadline) => client.resolve(parseReference('reg.example/team/app:1'), { deadline, credentials: [alice] }));
    assert.deepEqual(result.platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(result.digest, sha(manifest));
    const storage = transport.seen.filter((r) => r.host === 'storage.example');
    assert.equal(storage.length, 1);
    assert.equal(storage[0]?.authorization, undefined);
    // The Basic credential went only to the token service named by the registry; the registry saw the token.
    for (const request of transport.seen) {
      if (request.authorization?.startsWith('Basic')) assert.equal(request.host, 'auth.example');
    }
    assert.ok(transport.seen.every((r) => r.url.startsWith('https://')));
  });

  test('credentials are tried in order until one works', async () => {
    const transport = new FakeTransport((req): FakeAnswer => {
      const auth = req.headers.authorization;
      if (auth === `Basic ${Buffer.from(`bob:bobs-password`).toString('base64')}`) return { status: 200, body: JSON.stringify({ schemaVersion: 1, architecture: 'amd64' }) };
      return { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } };
    });
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    const result = await withDeadline(2000, (deadline) => client.resolve(parseReference('reg.example/app:1'), { deadline, credentials: [alice, bob] }));
    assert.deepEqual(result.platforms, [{ os: 'linux', architecture: 'amd64' }]);
    assert.deepEqual(
      transport.seen.map((r) => r.authorization?.slice(0, 5) ?? 'none'),
      ['none', 'Basic', 'Basic'],
    );
  });

  test('an identity token is exchanged with a refresh_token POST', async () => {
    const identity: RegistryCredential = { kind: 'identitytoken', token: 'refresh-me', identity: 'id-token' };
    const transport = new FakeTransport((req): FakeAnswer => {
      if (req.method === 'POST') return { status: 200, body: JSON.stringify({ token: 'access-1' }) };
      if (req.headers.authorization !== 'Bearer access-1') return { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://reg.example/oauth2/token",service="reg.example"' } };
      return { status: 200, body: JSON.stringify({ schemaVersion: 1, architecture: 'arm64' }) };
    });
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    await withDeadline(2000, (deadline) => client.resolve(parseReference('reg.example/app:1'), { deadline, credentials: [identity] }));
    const post = transport.seen.find((r) => r.method === 'POST');
    const form = new URLSearchParams(post?.body);
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), 'refresh-me');
    assert.equal(form.get('scope'), 'repository:app:pull');
    assert.equal(form.get('service'), 'reg.example');
  });

  test('a body over the size cap stops with too-large', async () => {
    const big = JSON.stringify({ schemaVersion: 2, manifests: [], padding: 'x'.repeat(10_000) });
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], maxManifestBytes: 4096, transport: new FakeTransport(() => ({ status: 200, body: big })) });
    await expectRegistryError(withDeadline(2000, (deadline) => client.resolve(parseReference('reg.example/app:1'), { deadline })), 'too-large');
  });

  test('a pinned digest the body does not hash to is invalid-manifest', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport: new FakeTransport(() => ({ status: 200, body: manifest })) });
    const error = await expectRegistryError(withDeadline(2000, (deadline) => client.resolve(parseReference(`reg.example/app@${other}`), { deadline })), 'invalid-manifest');
    assert.match(error.message, /does not match/);
  });

  test('a Docker-Content-Digest header the body does not hash to is invalid-manifest', async () => {
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport: new FakeTransport(() => ({ status: 200, body: manifest, headers: { 'docker-content-digest': sha('other') } })) });
    await expectRegistryError(withDeadline(2000, (deadline) => client.resolve(parseReference('reg.example/app:1'), { deadline })), 'invalid-manifest');
  });

  test('an index of attestations only lists no runnable platform', async () => {
    const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('a'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } }] });
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport: new FakeTransport(() => ({ status: 200, body: index })) });
    await expectRegistryError(withDeadline(2000, (deadline) => client.resolve(parseReference('reg.example/app:1'), { deadline })), 'invalid-manifest');
  });

  test('errors read like a kubectl warning, never carry credentials, and are counted', async () => {
    const counted: Array<[string, Record<string, string> | undefined]> = [];
    const metrics: Metrics = { count: (name, _v, dims) => void counted.push([name, dims]), timing: () => undefined };
    const transport = new FakeTransport(() => ({ status: 404, body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }) }));
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport, metrics });
    const error = await expectRegistryError(withDeadline(2000, (deadline) => client.resolve(parseReference('ghcr.io/a/b:1'), { deadline, credentials: [alice] })), 'not-found');
    assert.equal(error.message, 'registry ghcr.io answered 404: manifest unknown');
    assert.deepEqual(counted, [
      ['RegistryRequests', { registry: 'ghcr.io' }],
      ['RegistryErrors', { registry: 'ghcr.io', kind: 'not-found' }],
    ]);
  });

  test('Docker Hub references go to registry-1.docker.io', async () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, architecture: 'amd64' });
    const transport = new FakeTransport(() => ({ status: 200, body: schema1, headers: { 'docker-content-digest': sha(schema1) } }));
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    const result = await withDeadline(2000, (deadline) => client.resolve(parseReference('nginx'), { deadline }));
    assert.equal(transport.seen[0]?.url, 'https://registry-1.docker.io/v2/library/nginx/manifests/latest');
    assert.equal(result.digest, sha(schema1));
  });

  test('headDigest reads Docker-Content-Digest from a HEAD', async () => {
    const transport = new FakeTransport(() => ({ status: 200, headers: { 'docker-content-digest': sha('tagged') } }));
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    assert.equal(await withDeadline(2000, (deadline) => client.headDigest(parseReference('ghcr.io/a/b:1'), { deadline })), sha('tagged'));
    assert.deepEqual(transport.seen.map((r) => r.method), ['HEAD']);
  });
});

describe('what the client remembers is bounded (keys come from image names)', () => {
  const schema1 = JSON.stringify({ schemaVersion: 1, architecture: 'amd64' });

  test('challenges of 1,000 registry origins at most: the oldest is forgotten and probed again', async () => {
    const transport = new FakeTransport((req): FakeAnswer => (req.headers.authorization ? { status: 200, body: schema1 } : { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }));
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    const resolve = (registry: string): Promise<unknown> => withDeadline(2000, (deadline) => client.resolve(parseReference(`${registry}/app:1`), { deadline, credentials: [alice] }));
    const probes = (host: string): number => transport.seen.filter((r) => r.host === host && r.authorization === undefined).length;
    for (let i = 0; i <= 1000; i++) await resolve(`r${i}.example`);
    await resolve('r1000.example');
    assert.equal(probes('r1000.example'), 1, 'a recent origin is remembered');
    await resolve('r0.example');
    assert.equal(probes('r0.example'), 2, 'the oldest was forgotten');
  });

  test('tokens of 1,000 registry + scope + identity at most', async () => {
    const transport = new FakeTransport((req): FakeAnswer => {
      if (req.url.host === 'auth.example') return { status: 200, body: JSON.stringify({ token: `t-${new URL(req.url).searchParams.get('scope')}`, expires_in: 300 }) };
      if (!req.headers.authorization) return { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="reg"' } };
      return { status: 200, body: schema1 };
    });
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    const resolve = (repository: string): Promise<unknown> => withDeadline(2000, (deadline) => client.resolve(parseReference(`reg.example/${repository}:1`), { deadline }));
    const tokenRequests = (repository: string): number => transport.seen.filter((r) => r.host === 'auth.example' && r.url.includes(encodeURIComponent(`repository:${repository}:pull`))).length;
    for (let i = 0; i <= 1000; i++) await resolve(`app${i}`);
    await resolve('app1000');
    assert.equal(tokenRequests('app1000'), 1, 'a recent token is kept');
    await resolve('app0');
    assert.equal(tokenRequests('app0'), 2, 'the oldest was let go');
  });
});

describe('the request budget', () => {
  test('an exhausted budget is a budget error naming the registry; nothing more is sent', async () => {
    const transport = new FakeTransport(() => ({ status: 200, body: manifest }));
    const client = new RegistryClient({ insecureRegistries: [], privateRegistries: [], transport });
    const asked: string[] = [];
    const budget = { take: (registry: string): boolean => (asked.push(registry), asked.length <= 1) };
    const error = await expectRegistryError(withDeadline(2000, (deadline) => client.resolve(parseReference('docker.io/library/app:1'), { deadline, budget })), 'budget');
    assert.equal(error.message, 'too many registry requests for this pod (limit reached for registry-1.docker.io)');
    assert.deepEqual(asked, ['registry-1.docker.io', 'registry-1.docker.io']);
    assert.equal(transport.seen.length, 1, 'the manifest GET; the config blob GET was not sent');
  });
});

describe('NodeTransport address guard', () => {
  const lookups: string[] = [];
  const lookup = async (hostname: string): Promise<Array<{ address: string; family: number }>> => {
    lookups.push(hostname);
    const table: Record<string, string> = { 'metadata.example': '169.254.169.254', 'intranet.example': '10.1.2.3', 'mapped.example': '::ffff:127.0.0.1', 'rebind.example': '127.0.0.1' };
    const address = table[hostname];
    if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  const request = (transport: NodeTransport, url: string, registry: string): Promise<unknown> =>
    transport.request({ method: 'GET', url: new URL(url), headers: {}, signal: AbortSignal.timeout(2000), registry });

  for (const [url, registry] of [
    ['https://metadata.example/v2/', 'metadata.example'],
    ['https://intranet.example/v2/', 'intranet.example'],
    ['https://mapped.example/v2/', 'mapped.example'],
    ['https://10.0.0.8/v2/', '10.0.0.8'],
    ['https://[fd00::1]/v2/', '[fd00::1]'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254'],
  ] as const) {
    test(`refuses ${url} and names the variable that allows it`, async () => {
      const transport = new NodeTransport({ insecureRegistries: [], privateRegistries: [], lookup });
      const error = await expectRegistryError(request(transport, url, registry), 'refused');
      assert.match(error.message, /ARCHY_PRIVATE_REGISTRIES/);
    });
  }

  test('IP literals are judged without DNS', () => {
    assert.ok(!lookups.some((name) => /^\d|\[/.test(name)));
  });

  test('plain HTTP to an unlisted host is refused before any lookup', async () => {
    const before = lookups.length;
    const transport = new NodeTransport({ insecureRegistries: [], privateRegistries: ['intranet.example'], lookup });
    const error = await expectRegistryError(request(transport, 'http://intranet.example/v2/', 'intranet.example'), 'refused');
    assert.match(error.message, /ARCHY_INSECURE_REGISTRIES/);
    assert.equal(lookups.length, before);
  });

  const server = http.createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host })));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a listed host connects to the address it was vetted at (DNS is asked once)', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const host = `rebind.example:${port}`;
    const transport = new NodeTransport({ insecureRegistries: [host], privateRegistries: [], lookup });
    const before = lookups.filter((n) => n === 'rebind.example').length;
    const response = (await request(transport, `http://${host}/v2/`, host)) as { status: number; body: AsyncIterable<Uint8Array> };
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    transport.close();
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), { host });
    assert.equal(lookups.filter((n) => n === 'rebind.example').length - before, 1);
  });
});

// ARCHY_INSECURE_REGISTRIES entries with a port allow that port only: a listed registry cannot send
// the client (with its credentials) to another port of its host through a token realm or a blob
// redirect. An entry without a port allows its host on any port, and no other host (127.0.0.2 is
// the other host here). Every connection attempt is recorded by the refusing connector.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Deadline } from '../../lib/deadline.ts';
import { parseReference } from '../../lib/image/reference.ts';
import { RegistryClient, RegistryError, type Resolved } from '../../lib/registry/client.ts';
import type { RegistryCredential } from '../../lib/types.ts';
import { closedPort } from '../reliability/support/servers.ts';
import { startHostileServer, type Answer, type HostileServer } from '../support/registry/hostile-server.ts';
import { installRefusingConnector, type ConnectionAttempt } from './refusing-connector.ts';

const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const CONFIG = JSON.stringify({ architecture: 'arm64', os: 'linux' });
const SINGLE = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(CONFIG), size: CONFIG.length },
  layers: [],
});
const carol: RegistryCredential = { kind: 'basic', username: 'carol', password: 'carol-pw-P3r7', identity: 'id-carol' };

let connector: { attempts: ConnectionAttempt[]; restore(): void };
let tokens: HostileServer;
let storage: HostileServer;
let otherHost: HostileServer;
let bearer: HostileServer;
let redirecting: HostileServer;
let redirectTo = '';

before(async () => {
  connector = await installRefusingConnector(await closedPort());
  tokens = await startHostileServer(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'tok-1', expires_in: 300 }) }));
  storage = await startHostileServer(() => ({ status: 200, body: CONFIG }));
  otherHost = await startHostileServer(() => ({ status: 200, body: CONFIG }), '127.0.0.2');
  bearer = await startHostileServer((request): Answer => {
    if (request.authorization !== 'Bearer tok-1') return { status: 401, headers: { 'www-authenticate': `Bearer realm="${tokens.url}/token",service="ports"` } };
    if (request.path.includes('/blobs/')) return { status: 200, body: CONFIG };
    return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: SINGLE };
  });
  redirecting = await startHostileServer((request): Answer => {
    if (!request.authorization) return { status: 401, headers: { 'www-authenticate': 'Basic realm="ports"' } };
    if (request.path.includes('/manifests/')) return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: SINGLE };
    return { status: 307, headers: { location: redirectTo } };
  });
});
after(async () => {
  connector.restore();
  await Promise.all([tokens, storage, otherHost, bearer, redirecting].map((server) => server.close()));
});

async function resolve(image: string, insecureRegistries: string[]): Promise<Resolved | RegistryError> {
  connector.attempts.length = 0;
  const client = new RegistryClient({ insecureRegistries, privateRegistries: [] });
  const deadline = new Deadline(5000);
  try {
    return await client.resolve(parseReference(image), { deadline, credentials: [carol] });
  } catch (error) {
    assert.ok(error instanceof RegistryError, String(error));
    return error;
  } finally {
    deadline.dispose();
  }
}

const portOf = (server: HostileServer): number => Number(server.host.split(':')[1]);
const attemptedPorts = (): number[] => connector.attempts.map((attempt) => attempt.port);

describe('a token realm on another port of a listed registry host', () => {
  test('listed with its port, the registry does not open its host\'s other ports: refused, nothing connects there', async () => {
    const result = await resolve(`${bearer.host}/app:1`, [bearer.host]);
    assert.ok(result instanceof RegistryError);
    assert.equal(result.kind, 'refused');
    assert.equal(tokens.requests.length, 0);
    assert.ok(!attemptedPorts().includes(portOf(tokens)), JSON.stringify(connector.attempts));
  });

  test('listed without a port, its host is allowed on any port', async () => {
    const result = await resolve(`${bearer.host}/app:1`, ['127.0.0.1']);
    assert.ok(!(result instanceof RegistryError), String(result));
    assert.deepEqual(result.platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(tokens.requests.length, 1);
  });
});

describe('a config blob redirect', () => {
  test('to another port of a registry listed with its port: refused, nothing connects there', async () => {
    redirectTo = `${storage.url}/blob`;
    const result = await resolve(`${redirecting.host}/app:1`, [redirecting.host]);
    assert.ok(result instanceof RegistryError);
    assert.equal(result.kind, 'refused');
    assert.equal(storage.requests.length, 0);
    assert.ok(!attemptedPorts().includes(portOf(storage)), JSON.stringify(connector.attempts));
  });

  test('to another port of a registry listed without one: followed, without the credential', async () => {
    redirectTo = `${storage.url}/blob`;
    const result = await resolve(`${redirecting.host}/app:1`, ['127.0.0.1']);
    assert.ok(!(result instanceof RegistryError), String(result));
    assert.deepEqual(storage.requests.map((r) => r.authorization), [undefined]);
  });

  test('to another host, even with the registry\'s host listed without a port: refused', async () => {
    redirectTo = `${otherHost.url}/blob`;
    const result = await resolve(`${redirecting.host}/app:1`, ['127.0.0.1']);
    assert.ok(result instanceof RegistryError);
    assert.equal(result.kind, 'refused');
    assert.equal(otherHost.requests.length, 0);
    assert.ok(connector.attempts.every((attempt) => attempt.host !== '127.0.0.2'), JSON.stringify(connector.attempts));
  });
});

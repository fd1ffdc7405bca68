// What the client remembers about a registry's auth, against hostile loopback registries and token
// services: a remembered challenge that stops working is forgotten and the registry asked afresh
// (once per request), and a token request shared by several lookups runs on its own budget.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { gate, startHostileServer, type Answer, type HostileServer, type SeenRequest } from '../../support/registry/hostile-server.ts';
import { failureOf, resolveWithin } from '../../support/registry/lookups.ts';

const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 'arm64' } }],
});
const INDEX_ANSWER: Answer = { status: 200, headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: INDEX };

const servers: HostileServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function serve(answer: (request: SeenRequest) => Answer | Promise<Answer>): Promise<HostileServer> {
  const server = await startHostileServer(answer);
  servers.push(server);
  return server;
}

/** A token service whose tokens start with `name-`. */
function tokenService(name: string): (request: SeenRequest) => Answer {
  let issued = 0;
  return () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: `${name}-${++issued}`, expires_in: 300 }) });
}

function challenge(realm: string): Answer {
  return { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="hostile"` }, body: '' };
}

function clientFor(...hosts: string[]): RegistryClient {
  return new RegistryClient({ insecureRegistries: hosts, privateRegistries: [], retryPolicy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
}

const probes = (registry: HostileServer): number => registry.requests.filter((r) => r.authorization === undefined).length;

describe('a remembered challenge that fails is forgotten', () => {
  test('its token service answers 404: the registry is probed afresh and its new token service used', async () => {
    let oldGone = false;
    const issueOld = tokenService('old');
    const oldRealm = await serve((request) => (oldGone ? { status: 404 } : issueOld(request)));
    const newRealm = await serve(tokenService('new'));
    let realm = `${oldRealm.url}/token`;
    const registry = await serve((request) => (request.authorization?.startsWith('Bearer ') ? INDEX_ANSWER : challenge(realm)));
    const client = clientFor(registry.host, oldRealm.host, newRealm.host);

    await resolveWithin(client, `${registry.host}/first:1`);
    assert.equal(probes(registry), 1);
    oldGone = true;
    realm = `${newRealm.url}/token`;

    const second = await resolveWithin(client, `${registry.host}/second:1`);
    assert.deepEqual(second.platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(probes(registry), 2, 'probed afresh once');
    assert.equal(newRealm.requests.length, 1);

    const oldAsked = oldRealm.requests.length;
    await resolveWithin(client, `${registry.host}/third:1`);
    assert.equal(probes(registry), 2, 'the new challenge is remembered');
    assert.equal(oldRealm.requests.length, oldAsked, 'the forgotten token service is not asked again');
  });

  test('its token service is unreachable: the registry is probed afresh', async () => {
    const oldRealm = await serve(tokenService('old'));
    const newRealm = await serve(tokenService('new'));
    let realm = `${oldRealm.url}/token`;
    const registry = await serve((request) => (request.authorization?.startsWith('Bearer ') ? INDEX_ANSWER : challenge(realm)));
    const client = clientFor(registry.host, oldRealm.host, newRealm.host);

    await resolveWithin(client, `${registry.host}/first:1`);
    await oldRealm.close();
    realm = `${newRealm.url}/token`;

    const second = await resolveWithin(client, `${registry.host}/second:1`);
    assert.deepEqual(second.platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(probes(registry), 2);
  });

  test('the registry answers 401 with another challenge: that one is followed, the old realm is not asked again', async () => {
    let current = 'old';
    const oldRealm = await serve(tokenService('old'));
    const newRealm = await serve(tokenService('new'));
    const realms: Record<string, string> = { old: `${oldRealm.url}/token`, new: `${newRealm.url}/token` };
    // Accepts only tokens of its current token service.
    const registry = await serve((request) => (request.authorization?.startsWith(`Bearer ${current}-`) ? INDEX_ANSWER : challenge(realms[current] as string)));
    const client = clientFor(registry.host, oldRealm.host, newRealm.host);

    await resolveWithin(client, `${registry.host}/app:1`);
    current = 'new';
    const oldAsked = oldRealm.requests.length;

    const again = await resolveWithin(client, `${registry.host}/app:1`);
    assert.deepEqual(again.platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(oldRealm.requests.length, oldAsked, 'no token was asked of the old service');
    assert.equal(newRealm.requests.length, 1);
  });

  test('a registry whose challenge changes on every answer is probed afresh once per request, then refused', async () => {
    const tokens = await serve(tokenService('any'));
    let answers = 0;
    const registry = await serve(() => challenge(`${tokens.url}/token/${++answers}`));
    const client = clientFor(registry.host, tokens.host);

    const error = await failureOf(resolveWithin(client, `${registry.host}/app:1`));
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.message, `registry ${registry.host} answered 401: authentication required`);
    assert.deepEqual(
      registry.requests.map((r) => r.authorization?.split('-')[0] ?? 'none'),
      ['none', 'Bearer any', 'Bearer any'],
      'the probe, the first challenge\'s token, the second challenge\'s token; no third round',
    );
  });
});

describe('a shared token request', () => {
  test('outlives the lookup that started it: a later lookup with its own budget gets the token', async () => {
    const held = gate();
    const arrived = gate();
    const tokens = await serve(async (request) => {
      arrived.open();
      await held.opened;
      return tokenService('shared')(request);
    });
    const registry = await serve((request) => (request.authorization === 'Bearer shared-1' ? INDEX_ANSWER : challenge(`${tokens.url}/token`)));
    const client = clientFor(registry.host, tokens.host);

    const first = resolveWithin(client, `${registry.host}/app:1`, {}, 500);
    // On a machine slow enough that the first lookup gives up before asking, don't wait forever.
    await Promise.race([arrived.opened, first.catch(() => undefined)]);
    const second = resolveWithin(client, `${registry.host}/app:2`, {}, 10_000);
    assert.equal((await failureOf(first)).kind, 'timeout', 'the first lookup stops waiting at its own deadline');
    held.open();

    const resolved = await second;
    assert.deepEqual(resolved.platforms, [{ os: 'linux', architecture: 'arm64' }]);
    assert.equal(tokens.requests.length, 1, 'one token request served both');
  });
});

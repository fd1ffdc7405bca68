import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DockerConfigEntry } from '../../../lib/credentials/docker-config.ts';
import { Keyring } from '../../../lib/credentials/keyring.ts';
import type { RegistryCredential } from '../../../lib/types.ts';

const entry = (key: string, username = key): DockerConfigEntry => ({ key, credential: { kind: 'basic', username, password: 'pw' } });
const users = (credentials: RegistryCredential[]): string[] => credentials.map((c) => (c.kind === 'basic' ? c.username : c.token));
const ring = (...keys: string[]): Keyring => new Keyring([{ secret: 'default/regcred', entries: keys.map((key) => entry(key)) }]);

describe('Keyring.lookup: which keys match', () => {
  // [key in the secret, registry, repository, matches?]
  const table: Array<[string, string, string, boolean]> = [
    ['ghcr.io', 'ghcr.io', 'org/app', true],
    ['https://ghcr.io', 'ghcr.io', 'org/app', true],
    ['http://ghcr.io/', 'ghcr.io', 'org/app', true],
    ['GHCR.IO', 'ghcr.io', 'org/app', true],
    ['ghcr.io', 'quay.io', 'org/app', false],
    ['ghcr.io', 'evil-ghcr.io', 'org/app', false],
    ['ghcr.io', 'ghcr.io.evil.com', 'org/app', false],
    // ports must match both ways
    ['registry.local:5000', 'registry.local:5000', 'app', true],
    ['registry.local:5000', 'registry.local', 'app', false],
    ['registry.local', 'registry.local:5000', 'app', false],
    ['http://registry.local:5000/v2/', 'registry.local:5000', 'app', true],
    // path prefix on component boundaries
    ['ghcr.io/org', 'ghcr.io', 'org/app', true],
    ['ghcr.io/org/', 'ghcr.io', 'org/app', true],
    ['ghcr.io/org', 'ghcr.io', 'organisation/app', false],
    ['ghcr.io/org/app', 'ghcr.io', 'org/app', true],
    ['ghcr.io/org/app/extra', 'ghcr.io', 'org/app', false],
    ['ghcr.io/other', 'ghcr.io', 'org/app', false],
    // *. matches exactly one DNS label
    ['*.example.com', 'registry.example.com', 'app', true],
    ['*.example.com', 'example.com', 'app', false],
    ['*.example.com', 'a.b.example.com', 'app', false],
    ['*.*.example.com', 'a.b.example.com', 'app', true],
    ['*.example.com', 'registry.example.org', 'app', false],
    ['https://*.azurecr.io', 'team.azurecr.io', 'app', true],
    // Docker Hub aliases
    ['https://index.docker.io/v1/', 'docker.io', 'library/nginx', true],
    ['index.docker.io', 'docker.io', 'library/nginx', true],
    ['docker.io', 'docker.io', 'library/nginx', true],
    ['registry-1.docker.io', 'docker.io', 'acme/app', true],
    ['https://index.docker.io/v1/', 'ghcr.io', 'library/nginx', false],
    ['docker.io/acme', 'docker.io', 'acme/app', true],
    ['docker.io/acme', 'docker.io', 'library/nginx', false],
  ];
  for (const [key, registry, repository, expected] of table) {
    test(`${key} ${expected ? 'matches' : 'does not match'} ${registry}/${repository}`, () => {
      assert.equal(ring(key).lookup(registry, repository).length, expected ? 1 : 0);
    });
  }
});

describe('Keyring.lookup: order and identity', () => {
  test('all matching credentials, most specific key first', () => {
    const keyring = ring('ghcr.io', '*.ghcr.io', 'ghcr.io/org', 'ghcr.io/org/app', 'quay.io');
    assert.deepEqual(users(keyring.lookup('ghcr.io', 'org/app')), ['ghcr.io/org/app', 'ghcr.io/org', 'ghcr.io']);
  });

  test('a literal host is tried before an equally long wildcard', () => {
    const keyring = ring('*.example.com', 'aa.example.com');
    assert.deepEqual(users(keyring.lookup('aa.example.com', 'app')), ['aa.example.com', '*.example.com']);
  });

  test('equally specific keys keep the order of the pod\'s secrets', () => {
    const keyring = new Keyring([
      { secret: 'ns/first', entries: [entry('ghcr.io', 'first')] },
      { secret: 'ns/second', entries: [entry('ghcr.io', 'second')] },
    ]);
    assert.deepEqual(users(keyring.lookup('ghcr.io', 'a/b')), ['first', 'second']);
  });

  test('identity: 16 hex characters, differs by secret, key and content, never reveals the password', () => {
    const password = 'correct-horse-battery';
    const make = (secret: string, key: string, pw: string): string => {
      const keyring = new Keyring([{ secret, entries: [{ key, credential: { kind: 'basic', username: 'u', password: pw } }] }]);
      return keyring.lookup('ghcr.io', 'a/b')[0]?.identity ?? '';
    };
    const base = make('ns/a', 'ghcr.io', password);
    assert.match(base, /^[0-9a-f]{16}$/);
    assert.equal(make('ns/a', 'ghcr.io', password), base);
    assert.notEqual(make('ns/b', 'ghcr.io', password), base);
    assert.notEqual(make('ns/a', 'https://ghcr.io', password), base);
    assert.notEqual(make('ns/a', 'ghcr.io', 'other'), base);
    assert.ok(!base.includes(Buffer.from(password).toString('hex').slice(0, 8)));
  });
});

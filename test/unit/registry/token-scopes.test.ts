// PURE parts of first contact: what a token's access claims grant, what of a challenge may be
// shared and what is accepted back, and the admission's plan of repositories per registry.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseReference } from '../../../lib/image/reference.ts';
import { fromStored, toStored } from '../../../lib/registry/challenge-store.ts';
import { grantedScopes, pullScope, repositoryOf } from '../../../lib/registry/token-claims.ts';
import { scopePlan } from '../../../lib/resolver/admission-source.ts';

function jwt(claims: unknown): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('token access claims', () => {
  const asked = ['a/web', 'a/worker', 'library/nginx'].map(pullScope);

  test('the scopes a JWT grants pull on, whatever else it grants', () => {
    const token = jwt({ sub: '', access: [
      { type: 'repository', name: 'a/web', actions: ['pull'] },
      { type: 'repository', name: 'library/nginx', actions: ['pull', 'push'] },
      { type: 'repository', name: 'a/other', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ] });
    assert.deepEqual(grantedScopes(token, asked), new Set(['repository:a/web:pull', 'repository:library/nginx:pull']));
    assert.deepEqual(grantedScopes(jwt({ access: [{ type: 'repository', name: 'a/worker', actions: ['*'] }] }), asked), new Set(['repository:a/worker:pull']));
    assert.deepEqual(grantedScopes(jwt({ access: [] }), asked), new Set(), 'an empty grant says: none');
  });

  test('an opaque token, or one without an access claim, says nothing (undefined)', () => {
    for (const token of ['djE6YWNtZS93ZWI6MTcwMDAwMDAwMA==', 'a.b', jwt({ sub: 'x' }), jwt({ access: 'all' }), 'x.!!!.y']) {
      assert.equal(grantedScopes(token, asked), undefined, token);
    }
  });

  test('never throws, whatever the token', () => {
    fc.assert(fc.property(fc.string(), fc.jsonValue(), (text, claims) => {
      grantedScopes(text, asked);
      grantedScopes(jwt(claims), asked);
    }));
  });

  test('scope ↔ repository', () => {
    assert.equal(pullScope('library/nginx'), 'repository:library/nginx:pull');
    assert.equal(repositoryOf('repository:team/web:pull'), 'team/web');
  });
});

describe('challenges shared through the table', () => {
  test('a Bearer challenge keeps realm and service; the request-specific scope is not shared', () => {
    assert.deepEqual(toStored({ scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' }), { s: 'bearer', r: 'https://auth.docker.io/token', v: 'registry.docker.io' });
    assert.deepEqual(toStored({ scheme: 'basic', realm: 'Harbor' }), { s: 'basic' });
  });

  test('only a valid challenge is shared or read back: an http(s) realm without user information, of sane length, printable', () => {
    const invalid = ['file:///etc/passwd', 'https://user:pass@auth.example/token', `https://auth.example/${'x'.repeat(1100)}`, 'not a url', 'https://auth.example/tok\nen'];
    for (const realm of invalid) {
      assert.equal(toStored({ scheme: 'bearer', realm }), undefined, realm);
      assert.equal(fromStored({ s: 'bearer', r: realm }), undefined, realm);
    }
    assert.equal(fromStored({ s: 'bearer', r: 'https://auth.example/token', v: 'x'.repeat(300) }), undefined);
    assert.equal(fromStored({ s: 'bearer', r: 'https://auth.example/token', v: 42 }), undefined);
    assert.equal(fromStored({ s: 'negotiate' }), undefined);
    assert.equal(fromStored({}), undefined);
    assert.deepEqual(fromStored({ s: 'bearer', r: 'https://ghcr.io/token', v: 'ghcr.io' }), { scheme: 'bearer', realm: 'https://ghcr.io/token', service: 'ghcr.io' });
    assert.deepEqual(fromStored({ s: 'basic', r: 'ignored' }), { scheme: 'basic' });
  });

  test('what is shared is read back as the same challenge', () => {
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), (realm, service) => {
      const challenge = service === undefined ? { scheme: 'bearer' as const, realm } : { scheme: 'bearer' as const, realm, service };
      const stored = toStored(challenge);
      if (stored !== undefined) assert.deepEqual(fromStored(stored), challenge);
    }));
  });
});

test("an admission's plan: repositories per registry API host, each once, as the lookups are asked for", () => {
  const plan = scopePlan();
  for (const image of ['nginx:1', 'docker.io/library/nginx:2', 'index.docker.io/team/api:1', 'ghcr.io/a/b:1', 'ghcr.io/a/c@sha256:' + '0'.repeat(64)]) plan.add(parseReference(image));
  assert.deepEqual(plan.repositories('registry-1.docker.io'), ['library/nginx', 'team/api']);
  assert.deepEqual(plan.repositories('ghcr.io'), ['a/b', 'a/c']);
  assert.deepEqual(plan.repositories('quay.io'), []);
});

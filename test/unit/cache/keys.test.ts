import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestKey, lookupKey, tagKey } from '../../../lib/cache/keys.ts';
import { parseReference } from '../../../lib/image/reference.ts';

const digest = `sha256:${'a'.repeat(64)}`;

test('tag and digest keys name the normalised repository', () => {
  const ref = parseReference('nginx');
  assert.equal(tagKey(ref), 'tag#docker.io/library/nginx:latest');
  assert.equal(digestKey(ref, digest), `digest#docker.io/library/nginx@${digest}`);
  assert.equal(tagKey(parseReference('localhost:5000/team/app:v1')), 'tag#localhost:5000/team/app:v1');
});

test('a private lookup carries the credential identity', () => {
  const ref = parseReference('ghcr.io/acme/app:1');
  assert.equal(tagKey(ref, 'id123'), 'tag#ghcr.io/acme/app:1#id123');
  assert.equal(digestKey(ref, digest, 'id123'), `digest#ghcr.io/acme/app@${digest}#id123`);
  assert.notEqual(tagKey(ref, 'id123'), tagKey(ref));
});

test('a reference with a digest is looked up by its digest only', () => {
  assert.equal(lookupKey(parseReference(`ghcr.io/acme/app:1@${digest}`)), `digest#ghcr.io/acme/app@${digest}`);
  assert.equal(lookupKey(parseReference('ghcr.io/acme/app:1'), 'x'), 'tag#ghcr.io/acme/app:1#x');
});

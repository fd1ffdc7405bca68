import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseChallenges } from '../../../lib/registry/challenge.ts';

test('Docker Hub style Bearer challenge with quoted values and commas inside the scope', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push"'), [
    { scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull,push' },
  ]);
});

test('scheme and parameter names are case-insensitive; spaces and unquoted values are accepted', () => {
  assert.deepEqual(parseChallenges('bearer Realm = https://ghcr.io/token , Service=ghcr.io'), [{ scheme: 'bearer', realm: 'https://ghcr.io/token', service: 'ghcr.io' }]);
});

test('Basic challenges, several challenges in one header, escaped quotes', () => {
  assert.deepEqual(parseChallenges('Basic realm="Registry \\"Realm\\""'), [{ scheme: 'basic', realm: 'Registry "Realm"' }]);
  assert.deepEqual(parseChallenges('Negotiate, Basic realm="r", Bearer realm="https://t/token",error="insufficient_scope"'), [
    { scheme: 'basic', realm: 'r' },
    { scheme: 'bearer', realm: 'https://t/token' },
  ]);
});

test('a Bearer challenge without realm is unusable; empty and garbage headers give nothing', () => {
  assert.deepEqual(parseChallenges('Bearer service="x"'), []);
  assert.deepEqual(parseChallenges(undefined), []);
  assert.deepEqual(parseChallenges('=,,"'), []);
});

test('never throws on any string', () => {
  fc.assert(fc.property(fc.string(), (header) => Array.isArray(parseChallenges(header))), { numRuns: 2000 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CacheEntry } from '../../../lib/cache/entry.ts';
import { fromItem, parsePlatform, toItem } from '../../../lib/cache/item.ts';

test('an entry survives the trip through a DynamoDB item', () => {
  const segment = fc.stringMatching(/^[a-z0-9]{1,8}$/);
  const platform = fc.record({ os: segment, architecture: segment, variant: fc.option(segment, { nil: undefined }) }, { requiredKeys: ['os', 'architecture'] });
  const entry = fc.record(
    {
      digest: fc.option(segment.map((hex) => `sha256:${hex}`), { nil: undefined }),
      platforms: fc.option(fc.array(platform, { maxLength: 6 }), { nil: undefined }),
      error: fc.option(fc.string(), { nil: undefined }),
      freshUntil: fc.nat(),
      expiresAt: fc.nat(),
    },
    { requiredKeys: ['freshUntil', 'expiresAt'] },
  );
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), entry, (key, value) => {
      const clean = JSON.parse(JSON.stringify(value)) as CacheEntry;
      assert.deepEqual(fromItem(toItem(key, clean)), { key, entry: clean });
    }),
  );
});

test('items are compact: short attribute names, platforms as os/arch[/variant]', () => {
  const item = toItem('tag#ghcr.io/a/b:1', {
    digest: 'sha256:ab',
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    freshUntil: 10,
    expiresAt: 20,
  });
  assert.deepEqual(Object.keys(item).sort(), ['d', 'expiresAt', 'f', 'p', 'pk']);
  assert.deepEqual(item.p, { L: [{ S: 'linux/amd64' }, { S: 'linux/arm/v7' }] });
  assert.deepEqual(item.expiresAt, { N: '20' });
});

test('a malformed item is ignored', () => {
  assert.equal(fromItem({ pk: { S: 'k' } }), undefined);
  assert.equal(fromItem({ pk: { S: 'k' }, f: { N: '1' }, expiresAt: { N: '2' }, p: { L: [{ S: 'linux' }] } }), undefined);
  assert.equal(parsePlatform('linux/arm/v7/extra'), undefined);
});

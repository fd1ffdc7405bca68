import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../../lib/registry/bounded-map.ts';

test('past its bound the entry set longest ago goes first; setting again refreshes', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 3);
  map.set('c', 4);
  assert.equal(map.size, 2);
  assert.equal(map.get('b'), undefined);
  assert.equal(map.get('a'), 3);
  assert.equal(map.get('c'), 4);
});

test('deleteIf deletes only the value it was given', () => {
  const map = new BoundedMap<string, object>(10);
  const first = {};
  const second = {};
  map.set('k', first);
  map.set('k', second);
  map.deleteIf('k', first);
  assert.equal(map.get('k'), second);
  map.deleteIf('k', second);
  assert.equal(map.get('k'), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OncePer } from '../../../lib/cache/rate-limit.ts';

test('lets one event through per interval and reports how many it held back', () => {
  let now = 0;
  const limiter = new OncePer(60_000, () => now);
  assert.equal(limiter.attempt(), 0);
  assert.equal(limiter.attempt(), undefined);
  now = 59_999;
  assert.equal(limiter.attempt(), undefined);
  now = 60_000;
  assert.equal(limiter.attempt(), 2);
});

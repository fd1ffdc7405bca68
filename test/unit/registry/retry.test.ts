import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, parseRetryAfter } from '../../../lib/registry/retry.ts';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const base = { attempt: 1, remainingMs: 10_000, now: NOW, random: 0.5 };

describe('decideRetry', () => {
  test('401, 403, 404 and 200 are answers, not retries', () => {
    for (const status of [200, 401, 403, 404]) assert.deepEqual(decideRetry({ ...base, outcome: { kind: 'status', status } }), { retry: false, reason: 'answer' });
  });
  test('network errors, 5xx and 429 are retried with a jittered backoff', () => {
    for (const outcome of [{ kind: 'network' } as const, { kind: 'status', status: 503 } as const, { kind: 'status', status: 429 } as const]) {
      const decision = decideRetry({ ...base, outcome });
      assert.ok(decision.retry);
      assert.equal(decision.delayMs, 50);
    }
  });
  test('Retry-After seconds and HTTP dates are honoured', () => {
    assert.deepEqual(decideRetry({ ...base, outcome: { kind: 'status', status: 429, retryAfter: '2' } }), { retry: true, delayMs: 2000 });
    const date = new Date(NOW + 3000).toUTCString();
    assert.deepEqual(decideRetry({ ...base, outcome: { kind: 'status', status: 503, retryAfter: date } }), { retry: true, delayMs: 3000 });
  });
  test('stops early when the wait would pass the deadline', () => {
    assert.deepEqual(decideRetry({ ...base, remainingMs: 1500, outcome: { kind: 'status', status: 429, retryAfter: '2' } }), { retry: false, reason: 'deadline' });
  });
  test('gives up after the last attempt', () => {
    assert.deepEqual(decideRetry({ ...base, attempt: DEFAULT_RETRY_POLICY.maxAttempts, outcome: { kind: 'network' } }), { retry: false, reason: 'attempts' });
  });
});

test('parseRetryAfter ignores garbage and past dates count as now', () => {
  assert.equal(parseRetryAfter(undefined, NOW), undefined);
  assert.equal(parseRetryAfter('soon', NOW), undefined);
  assert.equal(parseRetryAfter('-1', NOW), undefined);
  assert.equal(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW), 0);
});

test('backoff grows exponentially, is capped and stays inside [0, ceiling)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, random) => {
      const ceiling = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
      const delay = backoffDelay(attempt, DEFAULT_RETRY_POLICY, random);
      return delay >= 0 && delay < ceiling;
    }),
  );
  assert.equal(backoffDelay(1, DEFAULT_RETRY_POLICY, 0.99), 99);
  assert.equal(backoffDelay(3, DEFAULT_RETRY_POLICY, 0.99), 396);
  assert.equal(backoffDelay(30, DEFAULT_RETRY_POLICY, 0.99), 1980);
});

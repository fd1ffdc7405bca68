import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Deadline, DeadlineExceededError } from '../../lib/deadline.ts';

const expiry = (deadline: Deadline): Promise<void> => new Promise((resolve) => deadline.onExpiry(resolve));

describe('Deadline', () => {
  test('a signal read before the budget runs out aborts with DeadlineExceededError when it does', async () => {
    const deadline = new Deadline(5);
    const signal = deadline.signal;
    assert.equal(signal.aborted, false);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    assert.ok(signal.reason instanceof DeadlineExceededError);
    assert.equal(deadline.fired, true);
  });

  test('a signal first read after the budget ran out is already aborted', async () => {
    const deadline = new Deadline(5);
    await expiry(deadline);
    assert.equal(deadline.signal.aborted, true);
    assert.ok(deadline.signal.reason instanceof DeadlineExceededError);
  });

  test('onExpiry calls each waiting callback once, not a cancelled one, and at once after the budget ran out', async () => {
    const deadline = new Deadline(5);
    const calls: string[] = [];
    deadline.onExpiry(() => calls.push('kept'));
    const cancel = deadline.onExpiry(() => calls.push('cancelled'));
    cancel();
    await expiry(deadline);
    assert.deepEqual(calls, ['kept']);
    deadline.onExpiry(() => calls.push('late'));
    assert.deepEqual(calls, ['kept', 'late']);
  });

  test('after dispose nothing fires: neither the signal nor what waits', async () => {
    const deadline = new Deadline(5);
    const reference = new Deadline(5);
    let called = false;
    deadline.onExpiry(() => (called = true));
    const signal = deadline.signal;
    deadline.dispose();
    await expiry(reference);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(called, false);
    assert.equal(signal.aborted, false);
    assert.equal(deadline.fired, false);
  });

  test('nothing waits, nothing is armed: the budget is still counted', () => {
    const deadline = new Deadline(1_000, Date.now() - 2_000);
    assert.equal(deadline.expired(), true);
    assert.equal(deadline.remaining(), 0);
  });
});

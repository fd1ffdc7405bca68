import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { censorSecrets, createLogger } from '../../lib/log.ts';

function capture(): { lines: () => Array<Record<string, unknown>>; text: () => string; stream: Writable } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text, lines: () => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logs censor secret members as a second line of defence', () => {
  test('secret members one level down read [redacted]; everything else is kept', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.info({ headers: { authorization: 'Bearer s3cr3t-token', accept: 'application/json' }, credential: { username: 'robot', password: 'hunter2' } }, 'request');
    const [line] = out.lines();
    assert.deepEqual(line?.headers, { authorization: '[redacted]', accept: 'application/json' });
    assert.deepEqual(line?.credential, { username: 'robot', password: '[redacted]' });
    assert.doesNotMatch(out.text(), /s3cr3t-token|hunter2/);
  });

  test('child and grandchild bindings are censored too', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.child({ upstream: { token: 'child-secret' } }).child({ ecr: { identitytoken: 'grandchild-secret' } }).info('x');
    assert.doesNotMatch(out.text(), /child-secret|grandchild-secret/);
    assert.match(out.text(), /\[redacted\]/);
  });

  test("an error keeps its message and stack when a sibling member is censored", () => {
    const error = Object.assign(new Error('registry said no'), { auth: 'dXNlcjpwYXNz' });
    const censored = censorSecrets({ err: error }).err as Error & { auth: string };
    assert.equal(censored.message, 'registry said no');
    assert.ok(censored.stack?.includes('registry said no'));
    assert.equal(censored.auth, '[redacted]');
    assert.equal(error.auth, 'dXNlcjpwYXNz', 'the logged object itself is not modified');
  });

  test('lines without secrets are passed through untouched (no copy)', () => {
    const input = { uid: 'u1', images: ['nginx'], tiers: { memory: 1 } };
    assert.equal(censorSecrets(input), input);
  });
});

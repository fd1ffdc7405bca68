import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAnswer, statusError } from '../../../lib/registry/errors.ts';

const body = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('statusError: the status and a known error code, in our words', () => {
  test('a distribution error code becomes plain words; its message is not used', () => {
    const error = statusError('ghcr.io', 404, body({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown for alice:hunter2', detail: 'Basic YWxpY2U6aHVudGVyMg==' }] }));
    assert.equal(error.message, 'registry ghcr.io answered 404: manifest unknown');
    assert.equal(error.kind, 'not-found');
    assert.equal(error.status, 404);
  });

  test('codes of the spec', () => {
    const words: Array<[string, number, string]> = [
      ['BLOB_UNKNOWN', 404, 'blob unknown'],
      ['NAME_UNKNOWN', 404, 'repository unknown'],
      ['NAME_INVALID', 400, 'invalid repository name'],
      ['TAG_INVALID', 400, 'tag invalid'],
      ['MANIFEST_INVALID', 400, 'manifest invalid'],
      ['UNAUTHORIZED', 401, 'authentication required'],
      ['DENIED', 403, 'access denied'],
      ['UNSUPPORTED', 405, 'operation unsupported'],
      ['TOOMANYREQUESTS', 429, 'too many requests'],
      ['UNKNOWN', 500, 'unknown error'],
    ];
    for (const [code, status, expected] of words) assert.equal(describeAnswer(status, body({ errors: [{ code }] })), expected, code);
  });

  test('the first known code counts; an unknown code, another shape or a plain body falls back to the status', () => {
    assert.equal(describeAnswer(403, body({ errors: [{ code: 'SECRET_alice' }, { code: 'DENIED' }] })), 'access denied');
    assert.equal(describeAnswer(404, body({ errors: [{ code: 'hunter2', message: 'hunter2' }] })), 'not found');
    assert.equal(describeAnswer(404, body({ errors: [{ code: 'manifest_unknown' }] })), 'not found');
    assert.equal(describeAnswer(401, body({ error: 'invalid_grant', error_description: 'hunter2' })), 'authentication required');
    assert.equal(describeAnswer(404, body('Authorization: Basic YWxpY2U6aHVudGVyMg==')), 'not found');
    assert.equal(describeAnswer(418, body('')), 'unexpected answer');
    assert.equal(describeAnswer(503, undefined), 'service unavailable');
    assert.equal(describeAnswer(404, body({ errors: [{ code: 'toString' }] })), 'not found');
  });
});

// The Event as sent: accepted by the API server's rules whatever the object's name and the note,
// its time a MicroTime, its name unique per occurrence.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, clipNote, eventName, formatMicroTime, type EventSpec } from '../../../lib/kube/event-object.ts';
import { eventProblems } from './event-rules.ts';

const AT = Date.UTC(2026, 10, 30, 6, 1, 2, 123) + 0.456;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

function spec(overrides: Partial<EventSpec> = {}): EventSpec {
  return {
    regarding: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', namespace: 'shop', uid: '6f1c2b9e-0d7a-4c43-9a53-2f4b1e8f0a11' },
    reason: 'ArchyFallback',
    note: 'no image of this pod could be checked, so it is placed on the default architecture amd64',
    action: 'Place',
    reportingController: 'archy.io/webhook',
    reportingInstance: '2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef',
    at: AT,
    nonce: '9f3a01bc',
    ...overrides,
  };
}

describe('eventTime', () => {
  test('RFC 3339 in UTC with exactly six fractional digits', () => {
    assert.equal(formatMicroTime(AT), '2026-11-30T06:01:02.123456Z');
    assert.equal(formatMicroTime(Date.UTC(2026, 0, 1)), '2026-01-01T00:00:00.000000Z');
    assert.equal(formatMicroTime(Date.UTC(2026, 0, 1, 0, 0, 0, 7)), '2026-01-01T00:00:00.007000Z');
  });

  test('a time a hair before the next second does not come out as 1000000 microseconds', () => {
    assert.equal(formatMicroTime(Date.UTC(2026, 0, 1, 0, 0, 0, 999) + 0.9999999), '2026-01-01T00:00:01.000000Z');
  });
});

describe('the Event name', () => {
  test('is the object name, a dot and hex of the time and nonce', () => {
    assert.match(eventName('web-7d4b9c', AT, '9f3a01bc'), /^web-7d4b9c\.[0-9a-f]+9f3a01bc$/);
  });

  test('differs for two occurrences in the same microsecond (the nonce) and for two instants', () => {
    assert.notEqual(eventName('web', AT, '00000001'), eventName('web', AT, '00000002'));
    assert.notEqual(eventName('web', AT, '00000001'), eventName('web', AT + 0.001, '00000001'));
  });

  test('a 253-character object name is shortened so the whole stays within 253 and a valid DNS subdomain', () => {
    for (const name of ['a'.repeat(253), `${'a'.repeat(200)}.${'b'.repeat(52)}`, `${'a'.repeat(230)}-${'b'.repeat(22)}`, `${'x'.repeat(62)}.${'y'.repeat(62)}.${'z'.repeat(62)}.${'w'.repeat(62)}`]) {
      const shortened = eventName(name, AT, 'ffffffff');
      assert.ok(shortened.length <= 253, `${shortened.length}`);
      assert.match(shortened, DNS1123_SUBDOMAIN);
      assert.ok(shortened.startsWith(name.slice(0, 100)), 'the start of the object name is kept');
    }
  });

  test('an object name that is not a DNS subdomain (other kinds allow more) becomes one', () => {
    for (const name of ['My_Object', '-x-', '..', 'a..b', 'ÄÖÜ', 'UPPER.case-', '']) {
      assert.match(eventName(name, AT, '01'), DNS1123_SUBDOMAIN, JSON.stringify(name));
    }
  });
});

describe('the note', () => {
  test('at most 1 KiB, one printable line, the start and the end kept', () => {
    const long = `start ${'x'.repeat(3000)} the end`;
    const note = clipNote(long);
    assert.equal(note.length, 1024);
    assert.ok(note.startsWith('start ') && note.endsWith(' the end'));
    assert.equal(clipNote('line one\nline two\u0000\u001b[31m red'), 'line one line two [31m red');
    assert.equal(clipNote('short'), 'short');
  });
});

describe('buildEvent', () => {
  test('a Warning Event the API server accepts, regarding the object with its uid', () => {
    const event = buildEvent(spec());
    assert.deepEqual(eventProblems(event, 'shop'), []);
    assert.equal(event.type, 'Warning');
    assert.equal(event.reason, 'ArchyFallback');
    assert.equal(event.action, 'Place');
    assert.equal(event.reportingController, 'archy.io/webhook');
    assert.equal(event.eventTime, '2026-11-30T06:01:02.123456Z');
    assert.deepEqual(event.regarding, spec().regarding);
    assert.equal(event.metadata.namespace, 'shop');
  });

  test('a pod being created is regarded by name alone (it has no uid yet)', () => {
    const event = buildEvent(spec({ regarding: { apiVersion: 'v1', kind: 'Pod', name: 'debug', namespace: 'default' } }));
    assert.deepEqual(eventProblems(event, 'default'), []);
    assert.deepEqual(event.regarding, { apiVersion: 'v1', kind: 'Pod', name: 'debug', namespace: 'default' });
  });

  test('whatever the note, reason and instance say, the Event stays acceptable', () => {
    const event = buildEvent(spec({ note: 'é'.repeat(5000), reportingInstance: 'i'.repeat(300), reason: `R${'r'.repeat(200)}` }));
    assert.deepEqual(eventProblems(event, 'shop'), []);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BadReviewError, buildResponse, parseReview, wrapResponse } from '../../../lib/admission/review.ts';

const request = { uid: 'f0b1c2d3-0000-4000-8000-000000000001', operation: 'CREATE', object: { kind: 'Pod' } };

describe('AdmissionReview envelope', () => {
  test('accepts v1 and v1beta1 and remembers which', () => {
    assert.equal(parseReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }).version, 'v1');
    assert.equal(parseReview({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request }).version, 'v1beta1');
  });

  for (const [name, body, reason] of [
    ['an array', [], /not a JSON object/],
    ['another kind', { apiVersion: 'admission.k8s.io/v1', kind: 'Pod', request }, /kind is "Pod"/],
    ['an unknown version', { apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request }, /apiVersion "admission.k8s.io\/v2" is not supported/],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing/],
    ['no uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }, /request.uid is missing/],
  ] as const) {
    test(`refuses ${name} with a reason`, () => {
      assert.throws(() => parseReview(body), (error: unknown) => error instanceof BadReviewError && error.status === 400 && reason.test(error.message));
    });
  }

  test('a response with a patch carries it base64-encoded as JSONPatch', () => {
    const patch = [{ op: 'add' as const, path: '/spec/nodeSelector', value: { 'kubernetes.io/arch': 'arm64' } }];
    const response = buildResponse('u1', patch, []);
    assert.equal(response.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString()), patch);
    assert.equal(response.warnings, undefined);
  });

  test('a response without changes has no patch fields', () => {
    const response = buildResponse('u1', [], ['pod admitted unchanged']);
    assert.deepEqual(response, { uid: 'u1', allowed: true, warnings: ['archy: pod admitted unchanged'] });
  });

  test('warnings are de-duplicated, shortened and capped', () => {
    const many = Array.from({ length: 14 }, (_, i) => `warning ${i}`);
    const response = buildResponse('u1', undefined, ['same', 'same', 'x'.repeat(400), ...many]);
    const warnings = response.warnings ?? [];
    assert.equal(warnings.length, 10);
    assert.equal(warnings.filter((w) => w === 'archy: same').length, 1);
    assert.ok(warnings.every((w) => w.length <= 300));
    assert.match(warnings.at(-1) ?? '', /more warnings in the webhook's logs/);
  });

  test('the answer is wrapped in the version it was asked in', () => {
    const wrapped = wrapResponse('v1beta1', buildResponse('u1', undefined, []));
    assert.equal(wrapped.apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(wrapped.kind, 'AdmissionReview');
  });
});

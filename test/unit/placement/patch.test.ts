import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import { escapePointer } from '../../../lib/placement/index.ts';
import { PatchBuilder } from '../../../lib/placement/patch.ts';

describe('escapePointer (RFC 6901)', () => {
  test('escapes ~ before / so the result decodes back', () => {
    assert.equal(escapePointer('kubernetes.io/arch'), 'kubernetes.io~1arch');
    assert.equal(escapePointer('a~b'), 'a~0b');
    assert.equal(escapePointer('~/'), '~0~1');
    assert.equal(escapePointer('~1'), '~01');
    assert.equal(jsonpatch.unescapePathComponent(escapePointer('x~1/y~0')), 'x~1/y~0');
  });
});

describe('PatchBuilder', () => {
  test('two additions under one missing parent create it once and apply cleanly', () => {
    const doc = { spec: {} };
    const builder = new PatchBuilder(doc);
    builder.set(['spec', 'affinity', 'nodeAffinity', 'a'], 1);
    builder.append(['spec', 'affinity', 'nodeAffinity', 'b'], 2);
    builder.append(['spec', 'affinity', 'nodeAffinity', 'b'], 3);
    assert.deepEqual(builder.ops.map((op) => op.path), ['/spec/affinity', '/spec/affinity/nodeAffinity/b', '/spec/affinity/nodeAffinity/b/-']);
    const result = jsonpatch.applyPatch(structuredClone(doc), builder.ops, true).newDocument;
    assert.deepEqual(result, { spec: { affinity: { nodeAffinity: { a: 1, b: [2, 3] } } } });
    assert.deepEqual(doc, { spec: {} }, 'the input is not modified');
  });

  test('a parent of the wrong type is replaced rather than written into', () => {
    const doc = { spec: { nodeSelector: ['oops'] } };
    const builder = new PatchBuilder(doc);
    builder.set(['spec', 'nodeSelector', 'kubernetes.io/arch'], 'amd64');
    const result = jsonpatch.applyPatch(structuredClone(doc), builder.ops, true).newDocument;
    assert.deepEqual(result.spec.nodeSelector, { 'kubernetes.io/arch': 'amd64' });
  });
});

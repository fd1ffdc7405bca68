// The Namespace reader on its own, against a stub of the light Kubernetes reader: what it keeps of
// a Namespace, and how long it believes an answer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeError } from '../../../lib/kube/kube-client.ts';
import type { KubeRest } from '../../../lib/kube/kube-rest.ts';
import { createNamespaceDefaults } from '../../../lib/kube/namespace-defaults.ts';

function stub(answer: (path: string) => unknown): KubeRest & { paths: string[]; accepts: Array<string | undefined> } {
  const paths: string[] = [];
  const accepts: Array<string | undefined> = [];
  return {
    paths,
    accepts,
    getJson(path, _query, options) {
      paths.push(path);
      accepts.push(options.accept);
      try {
        return Promise.resolve(answer(path));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
  };
}

const open = (): AbortSignal => new AbortController().signal;

describe('Namespace defaults', () => {
  test("only the three choices are kept, cut short, read as the Namespace's metadata", async () => {
    const rest = stub(() => ({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'shop', annotations: { 'archy.io/strategy': 'pin', 'archy.io/preferred-arch': 'a'.repeat(5000), 'example.com/big': 'x'.repeat(100_000), 'archy.io/tolerate': 'true' } },
    }));
    const reader = createNamespaceDefaults({ rest });
    const defaults = await reader.get('shop', open());
    assert.deepEqual(Object.keys(defaults?.annotations ?? {}).sort(), ['archy.io/preferred-arch', 'archy.io/strategy']);
    assert.equal(defaults?.annotations['archy.io/preferred-arch']?.length, 100);
    assert.deepEqual(rest.paths, ['/api/v1/namespaces/shop']);
    assert.match(rest.accepts[0] ?? '', /as=PartialObjectMetadata/);
  });

  test('kept for minutes: a second admission reads nothing; a missing Namespace is asked again after 30 s', async () => {
    let now = 1_000_000;
    const rest = stub((path) => {
      if (path.endsWith('/gone')) throw new KubeError(404, 'NotFound', 'namespaces "gone" not found');
      return { metadata: { annotations: { 'archy.io/strategy': 'pin' } } };
    });
    const reader = createNamespaceDefaults({ rest, now: () => now });
    await reader.get('shop', open());
    await reader.get('gone', open());
    now += 20_000;
    assert.deepEqual(reader.peek('shop')?.annotations, { 'archy.io/strategy': 'pin' });
    assert.deepEqual((await reader.get('gone', open()))?.annotations, {});
    now += 20_000;
    await reader.get('gone', open());
    assert.deepEqual(rest.paths, ['/api/v1/namespaces/shop', '/api/v1/namespaces/gone', '/api/v1/namespaces/gone']);
  });

  test('a name that cannot be a namespace is never asked for', async () => {
    const rest = stub(() => ({}));
    const reader = createNamespaceDefaults({ rest });
    assert.equal(await reader.get('../secrets', open()), undefined);
    assert.deepEqual(rest.paths, []);
  });
});

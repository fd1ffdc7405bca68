// An index is hostile input: what it can make Archy keep is bounded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, parseManifest } from '../../../lib/registry/platforms.ts';

const index = (manifests: unknown[]): string => JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
const entry = (architecture: string, os = 'linux'): unknown => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 1,
  platform: { os, architecture },
});

describe('index bounds', () => {
  test('an index listing more than 64 distinct platforms is refused, however many it lists', () => {
    const many = Array.from({ length: 80_000 }, (_, n) => entry(`a${n}`));
    assert.throws(() => parseManifest(index(many)), (error: unknown) => error instanceof ManifestError && /more than 64 platforms/.test(error.reason));
    const sixtyFour = Array.from({ length: 64 }, (_, n) => entry(`a${n}`));
    const parsed = parseManifest(index(sixtyFour));
    assert.equal(parsed.kind === 'index' && parsed.platforms.length, 64);
  });

  test('repeated entries count once', () => {
    const parsed = parseManifest(index(Array.from({ length: 10_000 }, () => entry('amd64'))));
    assert.deepEqual(parsed.kind === 'index' && parsed.platforms, [{ os: 'linux', architecture: 'amd64' }]);
  });

  test('long platform fields are cut, so nothing a registry sends makes a cache entry large', () => {
    const parsed = parseManifest(index([entry('x'.repeat(3_000_000), 'linux')]));
    assert.equal(parsed.kind === 'index' && parsed.platforms[0]?.architecture.length, 65);
  });

  test('at most 16 nested index descriptors are kept from one index', () => {
    const nested = Array.from({ length: 20_000 }, (_, n) => ({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${n.toString(16).padStart(64, '0')}`, size: 1 }));
    const parsed = parseManifest(index(nested));
    assert.equal(parsed.kind === 'index' && parsed.nestedIndexes.length, 16);
  });
});

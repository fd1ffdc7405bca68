import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  classifyManifest,
  linuxArchitectures,
  ManifestError,
  normalizePlatform,
  parseManifest,
  platformKey,
  platformsFromConfig,
} from '../../../lib/registry/platforms.ts';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const child = (c: string, platform?: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digest(c),
  size: 500,
  ...(platform ? { platform } : {}),
  ...extra,
});
const keys = (manifest: unknown, contentType?: string): string[] => {
  const classified = classifyManifest(manifest, contentType);
  assert.ok(classified.kind !== 'manifest');
  return classified.platforms.map(platformKey);
};

describe('indexes', () => {
  test('a Docker manifest list with arm v5/v6/v7, arm64/v8 and windows keeps every platform, normalised', () => {
    const list = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        child('1', { architecture: 'amd64', os: 'linux' }),
        child('2', { architecture: 'arm', os: 'linux', variant: 'v5' }),
        child('3', { architecture: 'arm', os: 'linux', variant: 'v6' }),
        child('4', { architecture: 'arm', os: 'linux', variant: 'v7' }),
        child('5', { architecture: 'arm64', os: 'linux', variant: 'v8' }),
        child('6', { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1697' }),
        child('7', { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.1726' }),
      ],
    };
    assert.deepEqual(keys(list), ['linux/amd64', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64', 'windows/amd64']);
    const classified = classifyManifest(list);
    assert.ok(classified.kind === 'index');
    assert.deepEqual(linuxArchitectures(classified.platforms), ['amd64', 'arm', 'arm64']);
  });

  test('buildx attestations (unknown/unknown with a reference type) are not platforms', () => {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        child('1', { architecture: 'amd64', os: 'linux' }),
        child('2', { architecture: 'arm64', os: 'linux' }),
        child('3', { architecture: 'unknown', os: 'unknown' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digest('1') } }),
        child('4', { architecture: 'unknown', os: 'unknown' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }),
      ],
    };
    assert.deepEqual(keys(index), ['linux/amd64', 'linux/arm64']);
  });

  test('any reference type annotation excludes the entry (builder references too), even with a real-looking platform', () => {
    const index = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [child('1', { architecture: 'amd64', os: 'linux' }), child('2', { architecture: 'arm64', os: 'linux' }, { annotations: { 'vnd.docker.reference.type': 'builder' } })],
    };
    assert.deepEqual(keys(index), ['linux/amd64']);
  });

  test('nested indexes without a platform are returned to follow; platformless manifests are ignored', () => {
    const nested = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: digest('9'), size: 300 };
    const list = { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: digest('8'), size: 300 };
    const classified = classifyManifest({
      schemaVersion: 2,
      manifests: [child('1', { architecture: 'ppc64le', os: 'linux' }), nested, list, child('2'), { mediaType: nested.mediaType, digest: '../../etc', size: 1 }],
    });
    assert.ok(classified.kind === 'index');
    assert.deepEqual(classified.platforms.map(platformKey), ['linux/ppc64le']);
    assert.deepEqual(classified.nestedIndexes.map((d) => d.digest), [digest('9'), digest('8')]);
  });

  test('duplicates are removed after normalising (armv7 = arm/v7; arm without variant = arm/v7)', () => {
    const index = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        child('1', { architecture: 'arm', os: 'linux', variant: 'v7' }),
        child('2', { architecture: 'arm', os: 'linux', variant: 'armv7' }),
        child('3', { architecture: 'arm', os: 'linux' }),
        child('4', { architecture: 'arm64', os: 'linux', variant: 'armv8' }),
        child('5', { architecture: 'aarch64', os: 'linux' }),
      ],
    };
    assert.deepEqual(keys(index), ['linux/arm/v7', 'linux/arm64']);
  });

  test('an index is recognised by Content-Type when the body has no mediaType, and by shape last', () => {
    const body = { schemaVersion: 2, manifests: [child('1', { architecture: 's390x', os: 'linux' })] };
    assert.equal(classifyManifest(body, 'application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8').mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.equal(classifyManifest(body).kind, 'index');
  });
});

describe('single manifests, configs and schema1', () => {
  test('an OCI or Docker v2 manifest yields its config descriptor (inline data kept)', () => {
    for (const mediaType of ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']) {
      const classified = classifyManifest({
        schemaVersion: 2,
        mediaType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digest('c'), size: 2, data: 'e30=' },
        layers: [],
      });
      assert.ok(classified.kind === 'manifest');
      assert.equal(classified.config.digest, digest('c'));
      assert.equal(classified.config.data, 'e30=');
    }
  });

  test('a manifest whose config digest is malformed is a ManifestError', () => {
    assert.throws(() => classifyManifest({ mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: 'sha256:zz', size: 1 }, layers: [] }), ManifestError);
  });

  test('config blobs give one platform; an empty config (attestation) is not runnable', () => {
    assert.deepEqual(platformsFromConfig({ architecture: 'arm', os: 'linux', variant: 'v7', rootfs: {} }), [{ os: 'linux', architecture: 'arm', variant: 'v7' }]);
    assert.deepEqual(platformsFromConfig({ architecture: 'x86_64', os: 'Linux' }), [{ os: 'linux', architecture: 'amd64' }]);
    assert.throws(() => platformsFromConfig({}), (e: unknown) => e instanceof ManifestError && /not a runnable image/.test(e.message));
  });

  test('schema1: the top-level architecture, on linux', () => {
    const classified = classifyManifest({ schemaVersion: 1, name: 'a/b', tag: 'latest', architecture: 'amd64', fsLayers: [], signatures: [] });
    assert.ok(classified.kind === 'schema1');
    assert.deepEqual(classified.platforms, [{ os: 'linux', architecture: 'amd64' }]);
  });

  test('unknown media types, non-objects and bad JSON are ManifestErrors', () => {
    assert.throws(() => classifyManifest({ mediaType: 'application/vnd.cncf.helm.config.v1+json' }), ManifestError);
    assert.throws(() => classifyManifest([1, 2]), ManifestError);
    assert.throws(() => parseManifest('{"manifests":'), ManifestError);
  });
});

describe('normalizePlatform follows containerd', () => {
  const cases: Array<[string, string, string | undefined, string]> = [
    ['linux', 'x86_64', undefined, 'linux/amd64'],
    ['linux', 'aarch64', undefined, 'linux/arm64'],
    ['linux', 'arm64', 'v8', 'linux/arm64'],
    ['linux', 'arm64', 'v9', 'linux/arm64/v9'],
    ['linux', 'armhf', undefined, 'linux/arm/v7'],
    ['linux', 'armel', undefined, 'linux/arm/v6'],
    ['linux', 'arm', '7', 'linux/arm/v7'],
    ['linux', 'arm', 'armv6', 'linux/arm/v6'],
    ['linux', 'i386', undefined, 'linux/386'],
    ['linux', 'arm', 'unrecognized-present', 'linux/arm/unrecognized-present'],
    ['macOS', 'arm64', undefined, 'darwin/arm64'],
  ];
  for (const [os, arch, variant, expected] of cases) {
    test(`${os}/${arch}/${variant ?? ''} → ${expected}`, () => assert.equal(platformKey(normalizePlatform(os, arch, variant)), expected));
  }
});

test('linuxArchitectures is sorted, unique and linux-only', () => {
  assert.deepEqual(
    linuxArchitectures([
      { os: 'linux', architecture: 'arm64' },
      { os: 'windows', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]),
    ['arm', 'arm64'],
  );
});

describe('properties', () => {
  test('any JSON value → a classification or a ManifestError, nothing else', () => {
    const platformish = fc.record({ os: fc.oneof(fc.constantFrom('linux', 'windows', 'unknown'), fc.anything()), architecture: fc.oneof(fc.constantFrom('amd64', 'arm', 'unknown'), fc.anything()), variant: fc.anything() }, { requiredKeys: [] });
    const descriptor = fc.record({ mediaType: fc.oneof(fc.constantFrom('application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json'), fc.anything()), digest: fc.oneof(fc.constant(digest('a')), fc.anything()), size: fc.oneof(fc.nat(), fc.anything()), platform: platformish, annotations: fc.anything() }, { requiredKeys: [] });
    const manifestish = fc.record(
      {
        schemaVersion: fc.oneof(fc.constantFrom(1, 2), fc.anything()),
        mediaType: fc.oneof(fc.constantFrom('application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'), fc.anything()),
        manifests: fc.oneof(fc.array(descriptor), fc.anything()),
        config: fc.oneof(descriptor, fc.anything()),
        layers: fc.anything(),
        architecture: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), manifestish), fc.option(fc.string(), { nil: undefined }), (value, contentType) => {
        try {
          const classified = classifyManifest(value, contentType);
          if (classified.kind !== 'manifest') for (const p of classified.platforms) assert.equal(typeof p.architecture, 'string');
        } catch (error) {
          assert.ok(error instanceof ManifestError, String(error));
        }
        try {
          platformsFromConfig(value);
        } catch (error) {
          assert.ok(error instanceof ManifestError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// Our manifest parser against real-world manifests (read at run time from the shared corpus, never
// copied into the repository), checked against the platforms its SOURCES.md table lists.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classifyManifest, ManifestError, parseManifest, platformKey, platformsFromConfig, type ClassifiedManifest } from '../../lib/registry/platforms.ts';

const corpus = join(process.env.ARCHY_CORPUS_DIR ?? resolve(import.meta.dirname, '../../../shared/realworld'), 'manifests');

interface Row {
  file: string;
  mediaType?: string;
  expected: string;
}

/** The SOURCES.md table: file name, media type column, and the last column (expected contents). */
function readTable(): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of readFileSync(join(corpus, 'SOURCES.md'), 'utf8').split('\n')) {
    if (!line.startsWith('|') || line.startsWith('|---')) continue;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const file = cells[0] ?? '';
    if (!file.endsWith('.json')) continue;
    const mediaType = /^application\/[\w.+-]+/.exec(cells[1] ?? '')?.[0];
    rows.set(file, { file, ...(mediaType ? { mediaType } : {}), expected: cells.at(-1) ?? '' });
  }
  return rows;
}

/** `linux/amd64; linux/arm/v7 [note]; unknown/unknown [...]` → runnable `os/arch[/variant]` in order. */
function listedPlatforms(expected: string): string[] {
  const platforms: string[] = [];
  for (const piece of expected.split(';')) {
    const match = /^\s*([a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9_-]+)?)/i.exec(piece);
    if (!match?.[1]) continue;
    if (match[1].startsWith('unknown/') || /attestation/.test(piece)) continue;
    platforms.push(match[1]);
  }
  return platforms;
}

/**
 * Edge cases the corpus documents, with the result we decided on: variants normalised as
 * containerd does (armv7 → v7, arm64 v8/armv8 dropped, arm without variant = v7), duplicates
 * removed, windows entries differing only in os.version collapse to one platform.
 */
const DECIDED: Record<string, string[]> = {
  'docker-manifest-list-7platforms-arm-v5-v6-arm64-v8.json': ['linux/amd64', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm64', 'linux/386', 'linux/ppc64le', 'linux/s390x'],
  'docker-manifest-list-schema1-children-armv7-armv8-variants.json': ['linux/ppc64le', 'linux/amd64', 'linux/s390x', 'linux/arm/v7', 'linux/arm64'],
  'docker-manifest-list-linux-plus-3-windows-osversions.json': ['linux/amd64', 'linux/arm64', 'linux/ppc64le', 'windows/amd64'],
  'oci-index-arm-variant-edge-cases.json': ['linux/amd64', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/unrecognized-present'],
};

const NESTED_INDEXES: Record<string, number> = {
  'oci-index-nested-index-no-platform-spec-example.json': 1,
  'oci-layout-index-nested-index-and-docker-list.json': 2,
};

if (!existsSync(join(corpus, 'SOURCES.md'))) {
  console.log(`realworld corpus not found at ${corpus}; set ARCHY_CORPUS_DIR`);
  test('realworld manifest corpus', { skip: `realworld corpus not found at ${corpus}; set ARCHY_CORPUS_DIR` }, () => undefined);
} else {
  const table = readTable();
  const files = readdirSync(join(corpus)).filter((name) => name.endsWith('.json')).sort();

  test('every corpus file has a row in SOURCES.md', () => {
    assert.deepEqual(files.filter((file) => !table.has(file)), []);
  });

  describe('manifests → platforms', () => {
    for (const file of files) {
      const row = table.get(file);
      if (!row) continue;
      const bytes = readFileSync(join(corpus, file));
      const json = JSON.parse(bytes.toString('utf8')) as unknown;

      test(file, () => {
        const stated = /sha256\(file\)=([a-f0-9]{8})/.exec(row.expected)?.[1];
        if (stated) assert.ok(createHash('sha256').update(bytes).digest('hex').startsWith(stated), 'a byte-exact copy hashes to its digest');

        if (file.endsWith('.config.json')) {
          const config = /config: os=(\w+) architecture=(\w+)(?: variant=(\w+))?/.exec(row.expected);
          assert.ok(config, `no config expectation for ${file}`);
          assert.deepEqual(platformsFromConfig(json).map(platformKey), [[config[1], config[2], config[3]].filter(Boolean).join('/')]);
          return;
        }

        const classified: ClassifiedManifest = parseManifest(bytes, row.mediaType);
        if (row.mediaType?.startsWith('application/vnd.docker.distribution.manifest.v1')) {
          assert.equal(classified.kind, 'schema1');
          // No top-level os in schema1: linux, the only os it was used for.
          assert.deepEqual(classified.kind === 'schema1' ? classified.platforms.map(platformKey) : [], ['linux/amd64']);
          return;
        }
        if (/single-arch|attestation manifest|Not a runnable image|artifactType application\/vnd\.docker\.attestation/.test(row.expected) && classified.kind === 'manifest') {
          const digest = /config digest (sha256:[a-f0-9]{8})/.exec(row.expected)?.[1];
          if (digest) assert.ok(classified.config.digest.startsWith(digest));
          if (classified.config.data !== undefined) {
            // An attestation's inline empty config `{}`: not a runnable image.
            const inline = JSON.parse(Buffer.from(classified.config.data, 'base64').toString('utf8')) as unknown;
            assert.throws(() => platformsFromConfig(inline), (error: unknown) => error instanceof ManifestError && /not a runnable image/.test(error.message));
          }
          return;
        }

        assert.equal(classified.kind, 'index', `${file} should be an index`);
        if (classified.kind !== 'index') return;
        const expected = DECIDED[file] ?? listedPlatforms(row.expected);
        assert.deepEqual(classified.platforms.map(platformKey), expected);
        assert.equal(classified.nestedIndexes.length, NESTED_INDEXES[file] ?? 0);
      });
    }
  });

  test('attestation and builder entries never count as platforms', () => {
    for (const file of ['oci-index-buildx-attestations-2platforms.json', 'oci-index-unknown-platform-builder-reference-type.json']) {
      const classified = classifyManifest(JSON.parse(readFileSync(join(corpus, file), 'utf8')) as unknown);
      assert.ok(classified.kind === 'index');
      assert.deepEqual(classified.platforms.map(platformKey), ['linux/amd64', 'linux/arm64']);
    }
  });
}

// Pushes test images through the registry HTTP API: monolithic blob uploads and manifest PUTs.
import { createHash } from 'node:crypto';
import type { Platform } from '../../../lib/types.ts';

export type ManifestFormat = 'oci' | 'docker';

export interface PushTarget {
  /** `http://127.0.0.1:PORT` of the registry itself (pushes bypass the recording proxy). */
  url: string;
  /** The Authorization header for push+pull on a repository, or undefined when none is needed. */
  authorization(repository: string): string | undefined;
}

export interface PushedManifest {
  digest: string;
  mediaType: string;
  size: number;
}

const TYPES = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function pushBlob(target: PushTarget, repository: string, content: Uint8Array | string): Promise<PushedManifest> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  const digest = sha256(bytes);
  const start = await call(target, repository, 'POST', `/v2/${repository}/blobs/uploads/`, {}, undefined, 202);
  const location = new URL(start.headers.get('location') ?? '', target.url);
  location.searchParams.set('digest', digest);
  await call(target, repository, 'PUT', `${location.pathname}${location.search}`, { 'content-type': 'application/octet-stream' }, bytes, 201);
  return { digest, mediaType: 'application/octet-stream', size: bytes.length };
}

export async function putManifest(target: PushTarget, repository: string, reference: string, mediaType: string, body: unknown): Promise<PushedManifest> {
  const bytes = Buffer.from(JSON.stringify(body, null, 2));
  await call(target, repository, 'PUT', `/v2/${repository}/manifests/${reference}`, { 'content-type': mediaType }, bytes, 201);
  return { digest: sha256(bytes), mediaType, size: bytes.length };
}

/** Config blob + one small layer + manifest; tagged when `tag` is given, else pushed by digest. */
export async function pushSingleImage(
  target: PushTarget,
  repository: string,
  tag: string | undefined,
  platform: Platform & { format?: ManifestFormat },
): Promise<PushedManifest> {
  const types = TYPES[platform.format ?? 'oci'];
  const config = { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), rootfs: { type: 'layers', diff_ids: [] }, config: {} };
  const configBlob = await pushBlob(target, repository, JSON.stringify(config));
  const layer = await pushBlob(target, repository, `layer for ${platform.os}/${platform.architecture}/${platform.variant ?? ''}`);
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: types.layer, digest: layer.digest, size: layer.size }],
  };
  return putManifest(target, repository, tag ?? sha256(JSON.stringify(manifest, null, 2)), types.manifest, manifest);
}

/** A buildx-style attestation manifest for `subject` (not runnable: unknown/unknown). */
export async function pushAttestation(target: PushTarget, repository: string): Promise<PushedManifest> {
  const config = await pushBlob(target, repository, JSON.stringify({ architecture: 'unknown', os: 'unknown', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const statement = await pushBlob(target, repository, JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2' }));
  const manifest = {
    schemaVersion: 2,
    mediaType: TYPES.oci.manifest,
    config: { mediaType: TYPES.oci.config, digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.in-toto+json', digest: statement.digest, size: statement.size, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
  };
  return putManifest(target, repository, sha256(JSON.stringify(manifest, null, 2)), TYPES.oci.manifest, manifest);
}

export interface IndexOptions {
  format?: ManifestFormat;
  /** Adds an unknown/unknown attestation entry per platform (as buildx does). */
  attestations?: boolean;
  /** Wraps the platforms in an inner index the outer index points to without a platform. */
  nestedIndex?: boolean;
}

export async function pushMultiArchIndex(
  target: PushTarget,
  repository: string,
  tag: string,
  platforms: Platform[],
  options: IndexOptions = {},
): Promise<string> {
  const format = options.format ?? 'oci';
  const types = TYPES[format];
  const entries: unknown[] = [];
  for (const platform of platforms) {
    const child = await pushSingleImage(target, repository, undefined, { ...platform, format });
    entries.push({ mediaType: child.mediaType, digest: child.digest, size: child.size, platform: platformField(platform) });
    if (options.attestations) {
      const attestation = await pushAttestation(target, repository);
      entries.push({
        mediaType: attestation.mediaType,
        digest: attestation.digest,
        size: attestation.size,
        platform: { architecture: 'unknown', os: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': child.digest },
      });
    }
  }
  let index = { schemaVersion: 2, mediaType: types.index, manifests: entries };
  if (options.nestedIndex) {
    const inner = await putManifest(target, repository, sha256(JSON.stringify(index, null, 2)), types.index, index);
    index = { schemaVersion: 2, mediaType: types.index, manifests: [{ mediaType: inner.mediaType, digest: inner.digest, size: inner.size }] };
  }
  return (await putManifest(target, repository, tag, types.index, index)).digest;
}

function platformField(platform: Platform): Record<string, string> {
  return { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}) };
}

async function call(
  target: PushTarget,
  repository: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  expected: number,
): Promise<Response> {
  const authorization = target.authorization(repository);
  const response = await fetch(new URL(path, target.url), {
    method,
    headers: { ...headers, ...(authorization ? { authorization } : {}) },
    ...(body ? { body } : {}),
  });
  if (response.status !== expected) {
    throw new Error(`test registry push ${method} ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  await response.arrayBuffer();
  return response;
}

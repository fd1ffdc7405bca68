// PURE: manifest bodies → platforms. Any JSON value in, a classification or a ManifestError out.
import { MAX_PLATFORMS_PER_IMAGE } from '../limits.ts';
import type { Platform } from '../types.ts';
import { bareMediaType, INDEX_TYPES, MANIFEST_TYPES, SCHEMA1_TYPES } from './media-types.ts';

export class ManifestError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = 'ManifestError';
    this.reason = reason;
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** Base64 content embedded in the descriptor (OCI 1.1): no fetch needed. */
  data?: string;
}

export type ClassifiedManifest =
  | { kind: 'index'; mediaType: string; platforms: Platform[]; nestedIndexes: Descriptor[] }
  | { kind: 'manifest'; mediaType: string; config: Descriptor }
  | { kind: 'schema1'; mediaType: string; platforms: Platform[] };

/** Nested index descriptors kept from one index; the client follows fewer still. */
const MAX_NESTED_KEPT = 16;

/**
 * Longest os, architecture or variant kept. Longer values are cut here (so a cache entry stays
 * small) and, being no valid architecture name, are then ignored by placement with a warning.
 */
const MAX_FIELD = 65;

const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

/** Parses raw bytes as JSON, then classifies them. Throws only ManifestError. */
export function parseManifest(body: Uint8Array | string, contentType?: string): ClassifiedManifest {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    throw new ManifestError('the manifest is not valid JSON');
  }
  return classifyManifest(json, contentType);
}

/** Classifies a parsed manifest body. Throws only ManifestError. */
export function classifyManifest(json: unknown, contentType?: string): ClassifiedManifest {
  if (!isObject(json)) throw new ManifestError('the manifest is not a JSON object');
  const mediaType = detectMediaType(json, contentType);
  if (INDEX_TYPES.has(mediaType)) return classifyIndex(json, mediaType);
  if (MANIFEST_TYPES.has(mediaType)) return classifySingle(json, mediaType);
  if (SCHEMA1_TYPES.has(mediaType)) return classifySchema1(json, mediaType);
  throw new ManifestError('the manifest has an unsupported media type');
}

/** The platform recorded in an image config blob. An empty config (an attestation) is not runnable. */
export function platformsFromConfig(json: unknown): Platform[] {
  if (!isObject(json)) throw new ManifestError('the image config is not a JSON object');
  const { architecture, os, variant } = json;
  if (typeof architecture !== 'string' || architecture === '' || typeof os !== 'string' || os === '') {
    throw new ManifestError('not a runnable image: its config names no os and architecture');
  }
  return [normalizePlatform(os, architecture, typeof variant === 'string' ? variant : undefined)];
}

/** Sorted unique architectures of the linux platforms (what placement uses). */
export function linuxArchitectures(platforms: readonly Platform[]): string[] {
  return [...new Set(platforms.filter((p) => p.os === 'linux').map((p) => p.architecture))].sort();
}

/** Normalises os/architecture/variant the way containerd's platforms.Normalize does. */
export function normalizePlatform(os: string, architecture: string, variant?: string): Platform {
  const lowerOs = os.slice(0, MAX_FIELD).toLowerCase();
  const normalizedOs = lowerOs === 'macos' ? 'darwin' : lowerOs;
  let arch = architecture.slice(0, MAX_FIELD).toLowerCase();
  let v = variant?.slice(0, MAX_FIELD).toLowerCase() ?? '';
  if (/^armv\d/.test(v)) v = v.slice(3);
  switch (arch) {
    case 'i386':
      arch = '386';
      v = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (v === 'v1') v = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (v === '8' || v === 'v8' || v === 'v8.0' || v === '8.0') v = '';
      break;
    case 'armhf':
      arch = 'arm';
      v = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      v = 'v6';
      break;
    case 'armv5l':
    case 'armv6l':
    case 'armv7l':
      v = `v${arch[4]}`;
      arch = 'arm';
      break;
    case 'arm':
      // containerd: an arm image without a variant is v7.
      if (v === '') v = 'v7';
      else if (/^[5-8]$/.test(v)) v = `v${v}`;
      break;
  }
  return v === '' ? { os: normalizedOs, architecture: arch } : { os: normalizedOs, architecture: arch, variant: v };
}

export function platformKey(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function dedupePlatforms(platforms: readonly Platform[]): Platform[] {
  const seen = new Map<string, Platform>();
  for (const platform of platforms) if (!seen.has(platformKey(platform))) seen.set(platformKey(platform), platform);
  return [...seen.values()];
}

function detectMediaType(json: Record<string, unknown>, contentType: string | undefined): string {
  const declared = typeof json.mediaType === 'string' ? json.mediaType.toLowerCase() : undefined;
  if (declared && isKnown(declared)) return declared;
  const served = bareMediaType(contentType);
  if (served && isKnown(served)) return served;
  if (Array.isArray(json.manifests)) return 'application/vnd.oci.image.index.v1+json';
  if (isObject(json.config) && Array.isArray(json.layers)) return 'application/vnd.oci.image.manifest.v1+json';
  if (json.schemaVersion === 1) return 'application/vnd.docker.distribution.manifest.v1+json';
  throw new ManifestError('unrecognised manifest: neither an index, an image manifest nor schema1');
}

function isKnown(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType) || MANIFEST_TYPES.has(mediaType) || SCHEMA1_TYPES.has(mediaType);
}

function classifyIndex(json: Record<string, unknown>, mediaType: string): ClassifiedManifest {
  if (!Array.isArray(json.manifests)) throw new ManifestError('the index has no manifests list');
  const platforms = new Map<string, Platform>();
  const nestedIndexes: Descriptor[] = [];
  for (const entry of json.manifests as unknown[]) {
    if (!isObject(entry)) continue;
    if (isObject(entry.annotations) && typeof entry.annotations[REFERENCE_TYPE_ANNOTATION] === 'string') continue;
    const platform = entry.platform;
    if (isObject(platform)) {
      const { os, architecture, variant } = platform;
      if (typeof os !== 'string' || typeof architecture !== 'string' || os === '' || architecture === '') continue;
      if (os === 'unknown' || architecture === 'unknown') continue;
      const normalized = normalizePlatform(os, architecture, typeof variant === 'string' ? variant : undefined);
      platforms.set(platformKey(normalized), normalized);
      if (platforms.size > MAX_PLATFORMS_PER_IMAGE) throw new ManifestError(`the image index lists more than ${MAX_PLATFORMS_PER_IMAGE} platforms`);
      continue;
    }
    if (platform !== undefined) continue;
    const childType = typeof entry.mediaType === 'string' ? entry.mediaType.toLowerCase() : '';
    if (INDEX_TYPES.has(childType) && nestedIndexes.length < MAX_NESTED_KEPT) {
      const descriptor = toDescriptor(entry);
      if (descriptor) nestedIndexes.push(descriptor);
    }
  }
  return { kind: 'index', mediaType, platforms: [...platforms.values()], nestedIndexes };
}

function classifySingle(json: Record<string, unknown>, mediaType: string): ClassifiedManifest {
  const config = isObject(json.config) ? toDescriptor(json.config) : undefined;
  if (!config) throw new ManifestError('the image manifest has no valid config descriptor');
  return { kind: 'manifest', mediaType, config };
}

function classifySchema1(json: Record<string, unknown>, mediaType: string): ClassifiedManifest {
  const { architecture } = json;
  if (typeof architecture !== 'string' || architecture === '') {
    throw new ManifestError('the schema1 manifest names no architecture');
  }
  // schema1 has no top-level os; only linux images were ever pushed in this format.
  return { kind: 'schema1', mediaType, platforms: [normalizePlatform('linux', architecture)] };
}

function toDescriptor(value: Record<string, unknown>): Descriptor | undefined {
  const { mediaType, digest, size, data } = value;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  const descriptor: Descriptor = { mediaType: typeof mediaType === 'string' ? mediaType : '', digest, size };
  if (typeof data === 'string') descriptor.data = data;
  return descriptor;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

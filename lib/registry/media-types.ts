// Manifest media types a registry may answer with, and the Accept header we send.

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_V1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_MANIFEST_V1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

export const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, DOCKER_MANIFEST_V2]);
export const SCHEMA1_TYPES: ReadonlySet<string> = new Set([DOCKER_MANIFEST_V1, DOCKER_MANIFEST_V1_SIGNED]);

/** Index and list types first; schema1 last (only very old registries still serve it). */
export const MANIFEST_ACCEPT = [
  OCI_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  DOCKER_MANIFEST_V2,
  `${DOCKER_MANIFEST_V1_SIGNED};q=0.5`,
  `${DOCKER_MANIFEST_V1};q=0.5`,
].join(', ');

/** `application/json; charset=utf-8` → `application/json`. */
export function bareMediaType(contentType: string | undefined): string | undefined {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  return bare ? bare : undefined;
}

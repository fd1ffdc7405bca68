// An in-process registry behind the Transport interface: every repository has a tag `1.0` that is
// a two-platform OCI index, except repositories whose name ends in `-single`, which hold one
// linux/amd64 image (manifest + config blob). The fake keeps nothing per request, so memory measured
// with it is Archy's, not the fake's.
import { createHash } from 'node:crypto';
import type { Transport, TransportRequest, TransportResponse } from '../../lib/registry/transport.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

interface Blob {
  body: Buffer;
  contentType: string;
  digest: string;
}

export class FakeRegistryTransport implements Transport {
  /** Requests answered, by kind: what a real registry would have served. */
  readonly counts = { manifests: 0, blobs: 0, notFound: 0 };
  readonly #config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), OCI_CONFIG);

  request(request: TransportRequest): Promise<TransportResponse> {
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(request.url.pathname);
    if (manifest) {
      this.counts.manifests += 1;
      const repository = manifest[1] as string;
      return Promise.resolve(respond(repository.endsWith('-single') ? this.#single() : index(repository)));
    }
    if (/^\/v2\/.+\/blobs\/sha256:[a-f0-9]{64}$/.test(request.url.pathname)) {
      this.counts.blobs += 1;
      return Promise.resolve(respond(this.#config));
    }
    this.counts.notFound += 1;
    return Promise.resolve(respond(undefined));
  }

  #single(): Blob {
    return blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: this.#config.digest, size: this.#config.body.length },
        layers: [],
      }),
      OCI_MANIFEST,
    );
  }
}

/** A distinct index per repository (distinct digests), as distinct real images would have. */
function index(repository: string): Blob {
  const child = (architecture: string): Record<string, unknown> => ({
    mediaType: OCI_MANIFEST,
    digest: `sha256:${createHash('sha256').update(`${repository}/${architecture}`).digest('hex')}`,
    size: 1024,
    platform: { os: 'linux', architecture },
  });
  return blob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child('amd64'), child('arm64')] }), OCI_INDEX);
}

function blob(text: string, contentType: string): Blob {
  const body = Buffer.from(text);
  return { body, contentType, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}

function respond(found: Blob | undefined): TransportResponse {
  if (found === undefined) {
    return { status: 404, headers: { 'content-type': 'application/json' }, body: chunks(Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')), cancel: () => undefined };
  }
  return {
    status: 200,
    headers: { 'content-type': found.contentType, 'docker-content-digest': found.digest, 'content-length': String(found.body.length) },
    body: chunks(found.body),
    cancel: () => undefined,
  };
}

async function* chunks(body: Buffer): AsyncIterable<Uint8Array> {
  yield body;
}

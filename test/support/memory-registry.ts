// An in-memory registry Transport for driving the whole app: images named `reg.fuzz.test/<name>`
// answer with an image index of the platforms below; anything else is 404. No network at all.
import type { Transport, TransportRequest, TransportResponse } from '../../lib/registry/transport.ts';

export const FUZZ_REGISTRY = 'reg.fuzz.test';

export const FUZZ_IMAGES: Record<string, string[]> = {
  multi: ['amd64', 'arm64'],
  wide: ['amd64', 'arm64', 's390x'],
  arm: ['arm64'],
  amd: ['amd64'],
  s390x: ['s390x'],
};

export class FuzzRegistryTransport implements Transport {
  async request(request: TransportRequest): Promise<TransportResponse> {
    const match = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(request.url.pathname);
    const arches = request.url.hostname === FUZZ_REGISTRY && match ? FUZZ_IMAGES[match[1] ?? ''] : undefined;
    const body = Buffer.from(
      arches
        ? JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: arches.map((architecture, index) => ({
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: `sha256:${String(index).repeat(64)}`,
              size: 1,
              platform: { os: 'linux', architecture },
            })),
          })
        : JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
    );
    return {
      status: arches ? 200 : 404,
      headers: { 'content-type': arches ? 'application/vnd.oci.image.index.v1+json' : 'application/json' },
      body: (async function* () {
        yield body;
      })(),
      cancel: () => undefined,
    };
  }
}

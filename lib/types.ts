// Types shared across modules. Each module owns its own detailed types; only what crosses a
// module boundary lives here.

/** A platform an image runs on, as an image index or config blob records it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** A parsed, normalised image reference (what Docker and containerd would pull). */
export interface ImageReference {
  /** Registry host as named in the reference, normalised: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** Repository path, with `library/` for Docker Hub official images. */
  repository: string;
  tag?: string;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string;
  /** The fully qualified form: `docker.io/library/nginx:latest`, `ghcr.io/a/b@sha256:…`. */
  canonical: string;
}

/** A credential to present to one registry. Never logged, never cached, never put in an error. */
export type RegistryCredential =
  | { kind: 'basic'; username: string; password: string; identity: string }
  | { kind: 'identitytoken'; token: string; identity: string };

/**
 * Where a registry lookup gets its credentials from: ordered, most specific first (as the kubelet
 * tries them). An empty list means anonymous. `identity` is a non-reversible hash used in cache
 * keys so one tenant's private answer is never served to another.
 */
export interface CredentialSource {
  credentialsFor(registry: string, repository: string): Promise<RegistryCredential[]>;
}

/** Where an answer came from; reported in logs and metrics. */
export type ResolutionSource = 'memory' | 'dynamodb' | 'registry' | 'stale';

/** The outcome of resolving one image of a pod. */
export type ImageResolution =
  | {
      ok: true;
      image: string;
      reference: ImageReference;
      digest: string;
      platforms: Platform[];
      source: ResolutionSource;
      /** Set when a stale cache entry was served because the registry failed. */
      staleBecause?: string;
    }
  | {
      ok: false;
      image: string;
      reference?: ImageReference;
      /** Plain words for a warning; never contains a secret. */
      error: string;
    };

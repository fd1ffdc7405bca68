// Registry mirrors (ARCHY_REGISTRY_MIRRORS): look an image up in its mirror first (e.g. Docker Hub
// through an ECR pull-through cache, which avoids upstream rate limits), and fall back to the
// original registry on any failure. Same resolve/headDigest shape as the registry client it wraps.
import type { Deadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import type { CredentialSource, ImageReference, RegistryCredential } from '../types.ts';

export interface LookupOptions {
  credentials?: RegistryCredential[];
}

/** The registry client's shape, as far as mirroring needs it. */
export interface RegistryLookup<O extends LookupOptions, R, H> {
  resolve(ref: ImageReference, options: O): Promise<R>;
  headDigest(ref: ImageReference, options: O): Promise<H>;
  prepare?(refs: readonly ImageReference[], deadline: Deadline): void;
}

export type AnsweredBy = 'mirror' | 'origin';

export interface MirrorEvent {
  image: string;
  answeredBy: AnsweredBy;
  mirror: string;
  /** Why the mirror was passed over (plain words from the error; never a credential). */
  mirrorError?: string;
}

export interface MirroringSourceOptions<O extends LookupOptions, R, H> {
  registry: RegistryLookup<O, R, H>;
  /** Registry host → `mirrorhost[/prefix]` (config.registryMirrors). */
  mirrors: Record<string, string>;
  /** Credentials for the mirrors themselves (typically ECR IAM), never the pod's. */
  credentials?: CredentialSource;
  logger?: Logger;
  onAnswer?: (event: MirrorEvent) => void;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export class MirroringSource<O extends LookupOptions, R, H> implements RegistryLookup<O, R & { answeredBy: AnsweredBy }, H> {
  readonly #options: MirroringSourceOptions<O, R, H>;
  readonly #mirrors: Map<string, string>;

  constructor(options: MirroringSourceOptions<O, R, H>) {
    this.#options = options;
    this.#mirrors = new Map(Object.entries(options.mirrors).map(([host, mirror]) => [hubAlias(host.toLowerCase()), mirror]));
  }

  /** The mirrored reference for `ref`, or undefined when its registry has no mirror. */
  mirrorFor(ref: ImageReference): ImageReference | undefined {
    const mirror = this.#mirrors.get(hubAlias(ref.registry.toLowerCase()));
    return mirror === undefined ? undefined : mirroredReference(ref, mirror);
  }

  /** The mirrors are asked first, their origins after: both may be about to be met. */
  prepare(refs: readonly ImageReference[], deadline: Deadline): void {
    const mirrored = refs.flatMap((ref) => this.mirrorFor(ref) ?? []);
    this.#options.registry.prepare?.([...mirrored, ...refs], deadline);
  }

  async resolve(ref: ImageReference, options: O): Promise<R & { answeredBy: AnsweredBy }> {
    const answer = await this.#tryBoth(ref, options, (target, opts) => this.#options.registry.resolve(target, opts));
    return { ...answer.value, answeredBy: answer.answeredBy };
  }

  async headDigest(ref: ImageReference, options: O): Promise<H> {
    return (await this.#tryBoth(ref, options, (target, opts) => this.#options.registry.headDigest(target, opts))).value;
  }

  async #tryBoth<T>(
    ref: ImageReference,
    options: O,
    lookup: (target: ImageReference, options: O) => Promise<T>,
  ): Promise<{ value: T; answeredBy: AnsweredBy }> {
    const mirrored = this.mirrorFor(ref);
    if (!mirrored) return { value: await lookup(ref, options), answeredBy: 'origin' };
    let mirrorError: string;
    try {
      const credentials = (await this.#options.credentials?.credentialsFor(mirrored.registry, mirrored.repository)) ?? [];
      const value = await lookup(mirrored, { ...options, credentials });
      this.#report({ image: ref.canonical, answeredBy: 'mirror', mirror: mirrored.registry });
      return { value, answeredBy: 'mirror' };
    } catch (error) {
      mirrorError = error instanceof Error ? error.message : 'unknown error';
    }
    // The origin gets the caller's own credentials, never the mirror's.
    const value = await lookup(ref, options);
    this.#report({ image: ref.canonical, answeredBy: 'origin', mirror: mirrored.registry, mirrorError });
    return { value, answeredBy: 'origin' };
  }

  #report(event: MirrorEvent): void {
    if (event.mirrorError) this.#options.logger?.info(event, 'mirror failed; the original registry answered');
    else this.#options.logger?.debug(event, 'answered by the mirror');
    this.#options.onAnswer?.(event);
  }
}

/** `docker.io/library/nginx:1` with mirror `host/docker-hub` → `host/docker-hub/library/nginx:1`. */
export function mirroredReference(ref: ImageReference, mirror: string): ImageReference {
  const slash = mirror.indexOf('/');
  const registry = (slash === -1 ? mirror : mirror.slice(0, slash)).toLowerCase();
  const prefix = slash === -1 ? '' : mirror.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  const repository = prefix ? `${prefix}/${ref.repository}` : ref.repository;
  const canonical = `${registry}/${repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  const mirrored: ImageReference = { registry, repository, canonical };
  if (ref.tag !== undefined) mirrored.tag = ref.tag;
  if (ref.digest !== undefined) mirrored.digest = ref.digest;
  return mirrored;
}

function hubAlias(host: string): string {
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

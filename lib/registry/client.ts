// OCI distribution client, the manifest logic: one manifest GET per image (plus the config blob
// for single-arch images, and a bounded few nested indexes). Auth, retries, redirects and body
// caps are the layers below (auth.ts, exchange.ts, redirects.ts, body.ts).
import { createHash } from 'node:crypto';
import type { Deadline } from '../deadline.ts';
import { registryApiHost } from '../image/reference.ts';
import { MAX_CONCURRENT_LOOKUPS, MAX_PLATFORMS_PER_IMAGE } from '../limits.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { ImageReference, Platform, RegistryCredential } from '../types.ts';
import { isListed } from './address-policy.ts';
import { Authenticator } from './auth.ts';
import { failUnlessOk, readBody } from './body.ts';
import { RegistryError, timeoutError } from './errors.ts';
import { Exchanger } from './exchange.ts';
import { bareMediaType, MANIFEST_ACCEPT } from './media-types.ts';
import { dedupePlatforms, ManifestError, parseManifest, platformsFromConfig, type ClassifiedManifest, type Descriptor } from './platforms.ts';
import { getFollowingRedirects } from './redirects.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import { credentialSecrets, redact } from './secrets.ts';
import type { ChallengeStore } from './challenge-store.ts';
import type { RequestBudget, ScopePlan, Session } from './session.ts';
import { NodeTransport, type Transport } from './transport.ts';

export { RegistryError } from './errors.ts';
export type { RegistryErrorKind } from './errors.ts';
export type { RequestBudget, ScopePlan } from './session.ts';

export interface RegistryClientOptions {
  insecureRegistries: string[];
  privateRegistries: string[];
  logger?: Logger;
  metrics?: Metrics;
  transport?: Transport;
  /** Largest manifest or config body read (default 4 MiB). */
  maxManifestBytes?: number;
  retryPolicy?: RetryPolicy;
  /** Jitter source; tests make it deterministic. */
  random?: () => number;
  /** Challenges shared with other instances (the cache table): a cold instance skips known 401s. */
  challenges?: ChallengeStore;
}

export interface LookupOptions {
  deadline: Deadline;
  credentials?: RegistryCredential[];
  /** The admission's registry request budget: every HTTP exchange takes one request from it first. */
  budget?: RequestBudget;
  /** The admission's repositories per registry: one token request asks for all of them. */
  plan?: ScopePlan;
}

export interface Resolved {
  digest: string;
  platforms: Platform[];
  mediaType: string;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** Nested indexes are followed this many levels below the top index. */
const MAX_NESTED_DEPTH = 2;
/** Nested index GETs per lookup, all levels together; more makes the image unresolvable. */
const MAX_NESTED_FETCHES = 8;
const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

interface Manifest {
  body: Buffer;
  digest: string;
  contentType?: string;
}

export class RegistryClient {
  readonly #insecure: readonly string[];
  readonly #logger: Logger | undefined;
  readonly #metrics: Metrics;
  readonly #maxBytes: number;
  readonly #exchanger: Exchanger;
  readonly #auth: Authenticator;

  constructor(options: RegistryClientOptions) {
    this.#insecure = options.insecureRegistries;
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#maxBytes = options.maxManifestBytes ?? DEFAULT_MAX_BYTES;
    this.#exchanger = new Exchanger({
      transport: options.transport ?? new NodeTransport({ insecureRegistries: options.insecureRegistries, privateRegistries: options.privateRegistries }),
      metrics: this.#metrics,
      ...(options.logger ? { logger: options.logger } : {}),
      retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      random: options.random ?? Math.random,
    });
    this.#auth = new Authenticator(this.#exchanger, options.challenges ? { challenges: options.challenges } : {});
  }

  /** The image's digest and every platform it declares (index platforms, or its config's). */
  async resolve(ref: ImageReference, opts: LookupOptions): Promise<Resolved> {
    const session = this.#session(ref, opts);
    return this.#counted(session, async () => {
      const top = await this.#getManifest(session, ref.digest ?? ref.tag ?? 'latest', ref.digest);
      const classified = classify(top);
      let platforms: Platform[];
      if (classified.kind === 'index') {
        platforms = [...classified.platforms, ...(await this.#nestedPlatforms(session, ref, classified.nestedIndexes, top.digest))];
      } else if (classified.kind === 'schema1') {
        platforms = classified.platforms;
      } else {
        platforms = await this.#configPlatforms(session, classified.config);
      }
      platforms = dedupePlatforms(platforms);
      if (platforms.length > MAX_PLATFORMS_PER_IMAGE) {
        throw new RegistryError('invalid-manifest', session.registry, `the image index for ${ref.canonical} lists more than ${MAX_PLATFORMS_PER_IMAGE} platforms`);
      }
      if (platforms.length === 0) {
        throw new RegistryError('invalid-manifest', session.registry, `the image index for ${ref.canonical} lists no runnable platform`);
      }
      return { digest: top.digest, platforms, mediaType: classified.mediaType };
    });
  }

  /** The digest a tag points at now, from a manifest HEAD (no body transferred). */
  async headDigest(ref: ImageReference, opts: LookupOptions): Promise<string> {
    const session = this.#session(ref, opts);
    return this.#counted(session, async () => {
      const reference = ref.digest ?? ref.tag ?? 'latest';
      const response = await this.#auth.send(session, { method: 'HEAD', url: this.#manifestUrl(session, reference), accept: MANIFEST_ACCEPT, purpose: 'manifest' });
      await failUnlessOk(response, session.registry, session.deadline);
      response.cancel();
      const header = response.headers['docker-content-digest']?.trim();
      if (header && DIGEST_PATTERN.test(header)) return header;
      // Some registries omit the header on HEAD: fall back to hashing the body.
      return (await this.#getManifest(session, reference, ref.digest)).digest;
    });
  }

  /**
   * Starts reading the shared challenges of these images' registries, when this instance knows none
   * yet: as many registries as an admission looks up at once (a pod may name 64), the rest on use.
   */
  prepare(refs: readonly ImageReference[], deadline: Deadline): void {
    const origins = [...new Set(refs.map((ref) => this.#origin(ref)))].slice(0, MAX_CONCURRENT_LOOKUPS);
    for (const origin of origins) this.#auth.prepare(origin, deadline);
  }

  #origin(ref: ImageReference): string {
    const apiHost = registryApiHost(ref.registry);
    const insecure = [ref.registry, apiHost].some((host) => isListed(`http://${host}`, this.#insecure));
    return `${insecure ? 'http' : 'https'}://${apiHost}`;
  }

  #session(ref: ImageReference, opts: LookupOptions): Session {
    const credentials = opts.credentials ?? [];
    const session: Session = {
      registry: registryApiHost(ref.registry),
      origin: this.#origin(ref),
      repository: ref.repository,
      deadline: opts.deadline,
      credentials,
      secrets: credentialSecrets(credentials),
    };
    if (opts.budget) session.budget = opts.budget;
    if (opts.plan) session.plan = opts.plan;
    return session;
  }

  /** Every failure leaves as a RegistryError, counted, logged, with no secret of the lookup in it. */
  async #counted<T>(session: Session, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const failure = this.#asRegistryError(session, error);
      this.#metrics.count('RegistryErrors', 1, { registry: session.registry, kind: failure.kind });
      this.#logger?.debug({ registry: session.registry, kind: failure.kind, status: failure.status }, failure.message);
      throw failure;
    }
  }

  #asRegistryError(session: Session, error: unknown): RegistryError {
    let failure: RegistryError;
    if (error instanceof RegistryError) {
      failure = error;
    } else if (error instanceof ManifestError) {
      failure = new RegistryError('invalid-manifest', session.registry, `registry ${session.registry}: ${error.reason}`);
    } else if (session.deadline.expired()) {
      failure = timeoutError(session.registry);
    } else {
      failure = new RegistryError('network', session.registry, `registry ${session.registry}: the request failed`);
    }
    const message = redact(failure.message, session.secrets);
    return message === failure.message ? failure : new RegistryError(failure.kind, failure.registry, message, failure.status);
  }

  #manifestUrl(session: Session, reference: string): URL {
    return new URL(`${session.origin}/v2/${session.repository}/manifests/${reference}`);
  }

  /** GET a manifest, read it within the size cap and establish its digest (verified when pinned). */
  async #getManifest(session: Session, reference: string, pinned: string | undefined): Promise<Manifest> {
    const response = await this.#auth.send(session, { method: 'GET', url: this.#manifestUrl(session, reference), accept: MANIFEST_ACCEPT, purpose: 'manifest' });
    await failUnlessOk(response, session.registry, session.deadline);
    const body = await readBody(response, { registry: session.registry, maxBytes: this.#maxBytes, what: 'manifest', time: session.deadline });
    const header = response.headers['docker-content-digest']?.trim();
    const expected = pinned ?? (header && DIGEST_PATTERN.test(header) ? header : undefined);
    const digest = expected ?? digestOf(body, 'sha256');
    if (expected && digestOf(body, algorithmOf(expected)) !== expected) {
      // A pinned digest is the user's; a header's is the registry's and is not repeated.
      const which = pinned ? `its digest ${pinned}` : 'the digest it announced';
      throw new RegistryError('invalid-manifest', session.registry, `registry ${session.registry} served a manifest that does not match ${which}`);
    }
    const contentType = bareMediaType(response.headers['content-type']);
    return contentType === undefined ? { body, digest } : { body, digest, contentType };
  }

  /**
   * Platforms of the indexes an index nests (entries without a platform), level by level, at most
   * MAX_NESTED_DEPTH levels down and MAX_NESTED_FETCHES GETs in all: a registry chooses how many
   * it lists, and each costs a request.
   */
  async #nestedPlatforms(session: Session, ref: ImageReference, nested: Descriptor[], topDigest: string): Promise<Platform[]> {
    const seen = new Set([topDigest]);
    const platforms: Platform[] = [];
    let level = nested;
    let fetched = 0;
    for (let depth = 1; depth <= MAX_NESTED_DEPTH && level.length > 0; depth++) {
      const fresh = [...new Map(level.filter((d) => !seen.has(d.digest)).map((d) => [d.digest, d])).values()];
      if (fetched + fresh.length > MAX_NESTED_FETCHES) {
        throw new RegistryError('invalid-manifest', session.registry, `the image index for ${ref.canonical} nests more than ${MAX_NESTED_FETCHES} indexes`);
      }
      const next: Descriptor[] = [];
      for (const descriptor of fresh) {
        seen.add(descriptor.digest);
        fetched++;
        const child = classify(await this.#getManifest(session, descriptor.digest, descriptor.digest));
        if (child.kind !== 'index') continue;
        platforms.push(...child.platforms);
        next.push(...child.nestedIndexes);
      }
      level = next;
    }
    return platforms;
  }

  async #configPlatforms(session: Session, config: Descriptor): Promise<Platform[]> {
    let body: Buffer;
    if (config.data !== undefined) {
      body = Buffer.from(config.data, 'base64');
    } else {
      if (config.size > this.#maxBytes) {
        throw new RegistryError('too-large', session.registry, `the image config on ${session.registry} is ${config.size} bytes, over the ${this.#maxBytes}-byte limit`);
      }
      const url = new URL(`${session.origin}/v2/${session.repository}/blobs/${config.digest}`);
      const response = await getFollowingRedirects(this.#auth, this.#exchanger, session, url);
      await failUnlessOk(response, session.registry, session.deadline);
      body = await readBody(response, { registry: session.registry, maxBytes: this.#maxBytes, what: 'image config', time: session.deadline });
    }
    if (digestOf(body, algorithmOf(config.digest)) !== config.digest) {
      throw new RegistryError('invalid-manifest', session.registry, `the image config from ${session.registry} does not match its digest`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError('invalid-manifest', session.registry, `the image config from ${session.registry} is not valid JSON`);
    }
    return platformsFromConfig(json);
  }
}

/** Throws ManifestError, which #counted words as invalid-manifest. */
function classify(manifest: Manifest): ClassifiedManifest {
  return parseManifest(manifest.body, manifest.contentType);
}

function algorithmOf(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

function digestOf(body: Uint8Array, algorithm: 'sha256' | 'sha512'): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

// For each distinct image of a pod, in parallel, within the budget:
// memory cache → shared cache (one getMany for the whole pod) → registry.
import type { PlatformCache } from '../cache/cache.ts';
import { epochSeconds, isFresh, type CacheEntry, type CacheHit, type CacheTier } from '../cache/entry.ts';
import { digestKey, lookupKey, tagKey } from '../cache/keys.ts';
import type { Config } from '../config.ts';
import type { Deadline } from '../deadline.ts';
import { parseReference } from '../image/reference.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { CredentialSource, ImageReference, ImageResolution, Platform, RegistryCredential, ResolutionSource } from '../types.ts';
import { raceDeadline, timeoutText } from './race.ts';
import type { PlatformSource } from './source.ts';

/** `imagePullPolicy: Always` trusts a tag entry this long after it was written; then it asks the registry. */
export const ALWAYS_TRUST_SECONDS = 30;

export type TierCounts = Record<ResolutionSource | 'miss' | 'negative', number>;

export interface ResolverOptions {
  source: PlatformSource;
  cache: PlatformCache;
  /** Absent: every lookup is anonymous. */
  credentials?: CredentialSource;
  config: Pick<Config, 'digestTtlSeconds' | 'tagTtlSeconds' | 'negativeTtlSeconds' | 'staleTtlSeconds'>;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
}

export interface ImageInput {
  image: string;
  imagePullPolicy?: string;
}

export interface ResolveAllResult {
  /** One per input, in input order. */
  resolutions: ImageResolution[];
  /**
   * Per distinct image: memory/dynamodb = fresh cache answer; registry = asked and answered;
   * stale = stale entry served; negative = cached failure; miss = nothing usable cached.
   */
  tiers: TierCounts;
  /** Plain-words problems worth a warning that did not fail a lookup (e.g. unreadable pull secrets). */
  warnings: string[];
  /** The shared-cache write; never rejects. Await it (bounded by the deadline) before answering. */
  pendingWrites: Promise<void>;
}

interface Lookup {
  ref: ImageReference;
  always: boolean;
  credentials: RegistryCredential[];
  identity: string | undefined;
  key: string;
}

type Answer =
  | { ok: true; digest: string; platforms: Platform[]; source: ResolutionSource; staleBecause?: string }
  | { ok: false; error: string; negative?: CacheTier };

export class Resolver {
  readonly #source: PlatformSource;
  readonly #cache: PlatformCache;
  readonly #credentials: CredentialSource | undefined;
  readonly #config: ResolverOptions['config'];
  readonly #logger: Logger | undefined;
  readonly #metrics: Metrics;
  readonly #now: () => number;

  constructor(options: ResolverOptions) {
    this.#source = options.source;
    this.#cache = options.cache;
    this.#credentials = options.credentials;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#now = options.now ?? Date.now;
  }

  /** `options.credentials` (the pod's pull secrets) replaces the constructor's source for this call. */
  async resolveAll(images: ImageInput[], deadline: Deadline, options: { credentials?: CredentialSource } = {}): Promise<ResolveAllResult> {
    const tiers: TierCounts = { memory: 0, dynamodb: 0, registry: 0, stale: 0, miss: 0, negative: 0 };
    const warnings: string[] = [];
    const writes: Array<[string, CacheEntry]> = [];

    const parsed = images.map((input) => parseInput(input.image));
    const byCanonical = new Map<string, { ref: ImageReference; always: boolean }>();
    images.forEach((input, index) => {
      const result = parsed[index];
      if (result === undefined || !result.ok) return;
      const seen = byCanonical.get(result.ref.canonical);
      const always = input.imagePullPolicy === 'Always';
      if (seen) seen.always ||= always;
      else byCanonical.set(result.ref.canonical, { ref: result.ref, always });
    });

    const credentialSource = options.credentials ?? this.#credentials;
    const credentials = await this.#credentialsFor(credentialSource, [...byCanonical.values()].map(({ ref }) => ref), deadline, warnings);
    const lookups = [...byCanonical.values()].map(({ ref, always }): Lookup => {
      const creds = credentials.get(repositoryOf(ref)) ?? [];
      const identity = creds[0]?.identity;
      return { ref, always, credentials: creds, identity, key: lookupKey(ref, identity) };
    });

    const hits = await raceDeadline(
      this.#cache.getMany(lookups.map((lookup) => lookup.key), deadline),
      deadline,
      () => new Map<string, CacheHit>(),
    );

    const answers = new Map<string, Answer>();
    await Promise.all(
      lookups.map(async (lookup) => {
        const answer = await this.#answer(lookup, hits.get(lookup.key), deadline, writes);
        this.#count(answer, tiers);
        answers.set(lookup.ref.canonical, answer);
      }),
    );

    const resolutions = images.map((input, index): ImageResolution => {
      const result = parsed[index];
      if (result === undefined || !result.ok) return { ok: false, image: input.image, error: result?.error ?? 'invalid image reference' };
      const answer = answers.get(result.ref.canonical) ?? { ok: false, error: timeoutText(deadline) };
      if (!answer.ok) return { ok: false, image: input.image, reference: result.ref, error: answer.error };
      const resolution: ImageResolution = {
        ok: true,
        image: input.image,
        reference: result.ref,
        digest: answer.digest,
        platforms: answer.platforms,
        source: answer.source,
      };
      if (answer.staleBecause !== undefined) resolution.staleBecause = answer.staleBecause;
      return resolution;
    });

    const pendingWrites = writes.length === 0 ? Promise.resolve() : this.#cache.putMany(writes, deadline).catch(() => undefined);
    return { resolutions, tiers, warnings, pendingWrites };
  }

  /** One call per distinct registry/repository; a failure means anonymous, with a warning. */
  async #credentialsFor(source: CredentialSource | undefined, refs: ImageReference[], deadline: Deadline, warnings: string[]): Promise<Map<string, RegistryCredential[]>> {
    const result = new Map<string, RegistryCredential[]>();
    if (source === undefined) return result;
    const repositories = new Map(refs.map((ref) => [repositoryOf(ref), ref]));
    await Promise.all(
      [...repositories].map(async ([name, ref]) => {
        try {
          const creds = await raceDeadline(source.credentialsFor(ref.registry, ref.repository), deadline, () => []);
          result.set(name, creds);
        } catch (error) {
          const warning = `could not read pull credentials for ${name} (${errorText(error)}); looked it up anonymously`;
          warnings.push(warning);
          this.#logger?.warn({ repository: name }, warning);
        }
      }),
    );
    return result;
  }

  async #answer(lookup: Lookup, hit: CacheHit | undefined, deadline: Deadline, writes: Array<[string, CacheEntry]>): Promise<Answer> {
    const nowSeconds = this.#nowSeconds();
    const entry = hit?.entry;
    if (hit !== undefined && entry !== undefined && isFresh(entry, nowSeconds)) {
      if (entry.error !== undefined && entry.platforms === undefined) return { ok: false, error: entry.error, negative: hit.tier };
      if (entry.error !== undefined) return staleAnswer(lookup, entry, entry.error);
      if (!this.#needsRevalidation(lookup, entry, nowSeconds)) return entryAnswer(lookup, entry, hit.tier);
    }
    const fallback = entry?.platforms !== undefined ? entry : undefined;

    const work = (async (): Promise<Answer> => {
      try {
        // With nothing cached for the tag a HEAD would only add a round trip before the GET.
        if (lookup.always && lookup.ref.digest === undefined && fallback !== undefined) {
          return await this.#revalidate(lookup, hit, deadline, writes);
        }
        return await this.#fetch(lookup, deadline, writes);
      } catch (error) {
        const text = errorText(error);
        const ourTimeout = deadline.signal.aborted;
        if (fallback !== undefined) {
          if (!ourTimeout) writes.push([lookup.key, this.#rememberStale(fallback, text)]);
          return staleAnswer(lookup, fallback, text);
        }
        if (!ourTimeout) writes.push([lookup.key, this.#negative(text)]);
        return { ok: false, error: ourTimeout ? timeoutText(deadline) : text };
      }
    })();
    return raceDeadline(work, deadline, (): Answer => {
      const text = timeoutText(deadline);
      return fallback !== undefined ? staleAnswer(lookup, fallback, text) : { ok: false, error: text };
    });
  }

  #needsRevalidation(lookup: Lookup, entry: CacheEntry, nowSeconds: number): boolean {
    if (!lookup.always || lookup.ref.digest !== undefined) return false;
    const storedAt = entry.freshUntil - this.#config.tagTtlSeconds;
    return nowSeconds - storedAt > ALWAYS_TRUST_SECONDS;
  }

  /** HEAD the tag; reuse what is cached for the digest it points to now; else a full resolve. */
  async #revalidate(lookup: Lookup, hit: CacheHit | undefined, deadline: Deadline, writes: Array<[string, CacheEntry]>): Promise<Answer> {
    const digest = await this.#source.headDigest(lookup.ref, { deadline, credentials: lookup.credentials });
    const tagged = hit?.entry;
    if (hit !== undefined && tagged?.platforms !== undefined && tagged.error === undefined && tagged.digest === digest) {
      writes.push([lookup.key, this.#positive(this.#config.tagTtlSeconds, tagged.platforms, digest)]);
      return { ok: true, digest, platforms: tagged.platforms, source: hit.tier };
    }
    const key = digestKey(lookup.ref, digest, lookup.identity);
    const found = (await this.#cache.getMany([key], deadline)).get(key);
    const platforms = found?.entry.platforms;
    if (found !== undefined && platforms !== undefined && found.entry.error === undefined && isFresh(found.entry, this.#nowSeconds())) {
      writes.push([lookup.key, this.#positive(this.#config.tagTtlSeconds, platforms, digest)]);
      return { ok: true, digest, platforms, source: found.tier };
    }
    return this.#fetch(lookup, deadline, writes);
  }

  async #fetch(lookup: Lookup, deadline: Deadline, writes: Array<[string, CacheEntry]>): Promise<Answer> {
    const answer = await this.#source.resolve(lookup.ref, { deadline, credentials: lookup.credentials });
    const digest = lookup.ref.digest ?? answer.digest;
    writes.push([digestKey(lookup.ref, digest, lookup.identity), this.#positive(this.#config.digestTtlSeconds, answer.platforms)]);
    if (lookup.ref.digest === undefined) {
      writes.push([tagKey(lookup.ref, lookup.identity), this.#positive(this.#config.tagTtlSeconds, answer.platforms, digest)]);
    }
    return { ok: true, digest, platforms: answer.platforms, source: 'registry' };
  }

  #positive(ttlSeconds: number, platforms: Platform[], digest?: string): CacheEntry {
    const freshUntil = this.#nowSeconds() + ttlSeconds;
    const entry: CacheEntry = { platforms, freshUntil, expiresAt: freshUntil + this.#config.staleTtlSeconds };
    if (digest !== undefined) entry.digest = digest;
    return entry;
  }

  /** A failure: answers for negativeTtl, then is gone (there is nothing stale to serve from it). */
  #negative(error: string): CacheEntry {
    const freshUntil = this.#nowSeconds() + this.#config.negativeTtlSeconds;
    return { error, freshUntil, expiresAt: freshUntil };
  }

  /** Keeps the stale answer and the failure together, so the failing registry is not asked again for negativeTtl. */
  #rememberStale(stale: CacheEntry, error: string): CacheEntry {
    const freshUntil = this.#nowSeconds() + this.#config.negativeTtlSeconds;
    return { ...stale, error, freshUntil, expiresAt: Math.max(stale.expiresAt, freshUntil) };
  }

  #count(answer: Answer, tiers: TierCounts): void {
    if (answer.ok) {
      tiers[answer.source] += 1;
      if (answer.source === 'registry') {
        tiers.miss += 1;
        this.#metrics.count('CacheMisses', 1);
      } else {
        this.#metrics.count('CacheHits', 1, { tier: answer.source });
      }
    } else if (answer.negative !== undefined) {
      tiers.negative += 1;
      this.#metrics.count('CacheHits', 1, { tier: answer.negative });
    } else {
      tiers.miss += 1;
      this.#metrics.count('CacheMisses', 1);
    }
  }

  #nowSeconds(): number {
    return epochSeconds(this.#now());
  }
}

function entryAnswer(lookup: Lookup, entry: CacheEntry, tier: CacheTier): Answer {
  return { ok: true, digest: lookup.ref.digest ?? entry.digest ?? '', platforms: entry.platforms ?? [], source: tier };
}

function staleAnswer(lookup: Lookup, entry: CacheEntry, because: string): Answer {
  return { ok: true, digest: lookup.ref.digest ?? entry.digest ?? '', platforms: entry.platforms ?? [], source: 'stale', staleBecause: because };
}

function parseInput(image: string): { ok: true; ref: ImageReference } | { ok: false; error: string } {
  try {
    return { ok: true, ref: parseReference(image) };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

function repositoryOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

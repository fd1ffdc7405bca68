// For each distinct image of a pod, in parallel, within the budget:
// memory cache → shared cache (one getMany for the whole pod) → registry.
//
// Credentials cost I/O (pull secrets come from the Kubernetes API), so the first cache read uses
// only keys known without any: the shared key of every image (anonymous and ECR IAM answers are the
// same for every pod) and the key of the pod's own pull-secret scope. Credentials are read only for
// images that neither key answers. See docs in lib/resolver/access.ts.
import type { PlatformCache } from '../cache/cache.ts';
import { epochSeconds, isFresh, type CacheEntry, type CacheHit, type CacheTier } from '../cache/entry.ts';
import { digestKey, lookupKey, tagKey } from '../cache/keys.ts';
import type { Config } from '../config.ts';
import { raceDeadline, type Deadline } from '../deadline.ts';
import { parseReference } from '../image/reference.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { CredentialSource, ImageReference, ImageResolution, Platform, RegistryCredential, ResolutionSource } from '../types.ts';
import { BatchedReads } from './batched-reads.ts';
import { accessFromSource, anonymousAccess, hasStages, type AccessStage, type RegistryAccess } from './access.ts';
import { MAX_IMAGES_PER_ADMISSION, MAX_PARSED_REFERENCES } from '../limits.ts';
import { BoundedMap } from '../registry/bounded-map.ts';
import { admissionSource } from './admission-source.ts';
import { timeoutText } from './race.ts';
import type { PlatformSource } from './source.ts';

/** `imagePullPolicy: Always` trusts a tag entry this long after it was written; then it asks the registry. */
export const ALWAYS_TRUST_SECONDS = 30;

export type TierCounts = Record<ResolutionSource | 'miss' | 'negative', number>;

export interface ResolverOptions {
  source: PlatformSource;
  cache: PlatformCache;
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
  /** The shared-cache write, absent when there is none; never rejects. Await it (bounded by the deadline) before answering. */
  pendingWrites?: Promise<void>;
}

/** One distinct image of the pod and the ways to reach it. */
interface Target {
  ref: ImageReference;
  always: boolean;
  stages: AccessStage[];
  sharedKey: string;
  /** Lookup keys of the pod's own scopes that are read first; shared answers are copied there. */
  ownKeys: string[];
}

/** One stage's view of a target: where its answer lives and how to ask the registry. */
interface Lookup {
  ref: ImageReference;
  always: boolean;
  key: string;
  /** The scope of a credentialed answer; undefined: shared. */
  identity: string | undefined;
  credentials: () => Promise<RegistryCredential[]>;
  /** Keys that also receive a shared answer (the pod's own read-first keys). */
  copyTo: string[];
  /** A later stage adds nothing without credentials of its own. */
  needsCredentials: boolean;
  /** A stale answer from another key (e.g. the shared one), used when this stage fails. */
  fallback: CacheEntry | undefined;
}

type Failure = { ok: false; error: string; negative?: CacheTier; refused?: boolean; skipped?: boolean; remembered?: boolean };
type Answer = { ok: true; digest: string; platforms: Platform[]; source: ResolutionSource; staleBecause?: string } | Failure;

type Writes = Array<[string, CacheEntry]>;

/** One admission's lookups: its budget, its pending cache writes, its bounded view of the registries. */
interface Run {
  deadline: Deadline;
  writes: Writes;
  source: PlatformSource;
}

/** Errors after which the next stage (other credentials) is worth a try: the kubelet would go on too. */
const REFUSALS = new Set(['unauthorized', 'forbidden', 'not-found']);

/**
 * Failures are remembered for negativeTtl so a broken registry is not hammered. Not remembered: running out of time (anyone's deadline), a refusal on Archy's own
 * configuration's account (address guard, plain HTTP not allowed) and a pod's request budget: those
 * say nothing about the registry, and a fixed configuration must take effect at once.
 */
const NOT_THE_REGISTRYS = new Set(['timeout', 'refused', 'budget']);
const TIMEOUT_NAMES = new Set(['AbortError', 'TimeoutError', 'DeadlineExceededError']);

class NoCredentials extends Error {}

export class Resolver {
  readonly #source: PlatformSource;
  readonly #cache: PlatformCache;
  readonly #config: ResolverOptions['config'];
  readonly #logger: Logger | undefined;
  readonly #metrics: Metrics;
  readonly #now: () => number;
  /** Valid references only: a name that fails is parsed again (rare, and not worth keeping). */
  readonly #references = new BoundedMap<string, ImageReference>(MAX_PARSED_REFERENCES);

  constructor(options: ResolverOptions) {
    this.#source = options.source;
    this.#cache = options.cache;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#now = options.now ?? Date.now;
  }

  /** `options.credentials`: the pod's pull secrets (and ECR IAM); absent, every lookup is anonymous. */
  async resolveAll(images: ImageInput[], deadline: Deadline, options: { credentials?: CredentialSource | RegistryAccess } = {}): Promise<ResolveAllResult> {
    const tiers: TierCounts = { memory: 0, dynamodb: 0, registry: 0, stale: 0, miss: 0, negative: 0 };
    const warnings: string[] = [];
    const writes: Writes = [];

    const parsed = images.map((input) => this.#parse(input.image));
    const byCanonical = new Map<string, { ref: ImageReference; always: boolean }>();
    const answers = new Map<string, Answer>();
    images.forEach((input, index) => {
      const result = parsed[index];
      if (result === undefined || !result.ok || answers.has(result.ref.canonical)) return;
      const seen = byCanonical.get(result.ref.canonical);
      const always = input.imagePullPolicy === 'Always';
      if (seen) seen.always ||= always;
      else if (byCanonical.size < MAX_IMAGES_PER_ADMISSION) byCanonical.set(result.ref.canonical, { ref: result.ref, always });
      else answers.set(result.ref.canonical, { ok: false, error: `not looked up: the pod names more than ${MAX_IMAGES_PER_ADMISSION} distinct images` });
    });
    const source = admissionSource(this.#source);

    const access = this.#access(options.credentials);
    const stagesByRepository = new Map<string, AccessStage[]>();
    const targets = [...byCanonical.values()].map(({ ref, always }): Target => {
      const repository = repositoryOf(ref);
      let stages = stagesByRepository.get(repository);
      if (!stages) {
        stages = access.stagesFor(ref.registry, ref.repository).map((stage) => this.#once(stage, repository, deadline, warnings));
        stagesByRepository.set(repository, stages);
      }
      const ownKeys = stages.flatMap((stage) => (stage.kind === 'scoped' && stage.readFirst && stage.scope ? [lookupKey(ref, stage.scope)] : []));
      return { ref, always, stages, sharedKey: lookupKey(ref), ownKeys };
    });

    const keys = unique(targets.flatMap((target) => [target.sharedKey, ...target.ownKeys]));
    let hits = this.#cache.getAllNow?.(keys);
    if (hits === undefined) {
      source.prepare?.(targets.map((target) => target.ref), deadline);
      hits = await raceDeadline(this.#cache.getMany(keys, deadline), deadline, () => new Map<string, CacheHit>());
    }

    const later = new BatchedReads(this.#cache, deadline);
    await Promise.all(
      targets.map(async (target) => {
        const answer = await this.#resolveTarget(target, hits, later, { deadline, writes, source });
        this.#count(answer, tiers);
        answers.set(target.ref.canonical, answer);
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

    if (writes.length === 0) return { resolutions, tiers, warnings };
    return { resolutions, tiers, warnings, pendingWrites: this.#cache.putMany(writes, deadline).catch(() => undefined) };
  }

  #parse(image: string): ParsedInput {
    const known = this.#references.get(image);
    if (known !== undefined) return { ok: true, ref: known };
    const parsed = parseInput(image);
    if (parsed.ok) this.#references.set(image, Object.freeze(parsed.ref));
    return parsed;
  }

  #access(source: CredentialSource | RegistryAccess | undefined): RegistryAccess {
    if (source === undefined) return anonymousAccess;
    return hasStages(source) ? source : accessFromSource(source);
  }

  /** Credentials read at most once per repository and admission; a failure means anonymous, with a warning. */
  #once(stage: AccessStage, repository: string, deadline: Deadline, warnings: string[]): AccessStage {
    let read: Promise<RegistryCredential[]> | undefined;
    const credentials = (): Promise<RegistryCredential[]> =>
      (read ??= raceDeadline(stage.credentials(), deadline, () => []).catch((error: unknown) => {
        const warning = `could not read pull credentials for ${repository} (${errorText(error)}); looked it up anonymously`;
        warnings.push(warning);
        this.#logger?.warn({ repository }, warning);
        return [];
      }));
    return { ...stage, credentials };
  }

  /**
   * Fresh answers that need no credentials first (the pod's own scope, then the shared key); then
   * each stage in turn, going on to the next only when a stage was refused or knows nothing.
   */
  async #resolveTarget(target: Target, hits: Map<string, CacheHit>, later: BatchedReads, run: Run): Promise<Answer> {
    const { deadline, writes } = run;
    const nowSeconds = this.#nowSeconds();
    for (const key of target.ownKeys) {
      const hit = hits.get(key);
      if (hit && this.#answersNow(target, hit.entry, nowSeconds)) return entryAnswer(target.ref, hit.entry, hit.tier);
    }
    const shared = hits.get(target.sharedKey);
    if (shared && this.#answersNow(target, shared.entry, nowSeconds)) {
      // A public answer: the same for every pod. Copied under the pod's own keys so that, once warm,
      // those keys are found in memory instead of costing a shared-tier read on every admission.
      for (const key of target.ownKeys) writes.push([key, shared.entry]);
      return entryAnswer(target.ref, shared.entry, shared.tier);
    }

    const sharedFallback = shared?.entry.platforms !== undefined ? shared.entry : undefined;
    let last: Failure | undefined;
    for (const [index, stage] of target.stages.entries()) {
      const lookup = await this.#lookupFor(target, stage, index, sharedFallback, deadline);
      if (lookup === undefined) continue;
      const hit = lookup.key === target.sharedKey || target.ownKeys.includes(lookup.key) ? hits.get(lookup.key) : await later.get(lookup.key);
      const answer = await this.#answer(lookup, hit, later, run);
      if (answer.ok) return answer;
      if (answer.skipped) {
        // Nothing more to try here: remember the earlier failure under this key so the next
        // admission does not read the credentials again to learn the same.
        if (last?.remembered && !deadline.signal.aborted) writes.push([lookup.key, this.#negative(last.error)]);
        continue;
      }
      last = answer;
      if (!(answer.refused || answer.negative !== undefined)) break;
    }
    return last ?? { ok: false, error: deadline.signal.aborted ? timeoutText(deadline) : `no way to look up ${target.ref.canonical}` };
  }

  /** A fresh positive entry that needs no revalidation answers without any I/O. */
  #answersNow(target: Target, entry: CacheEntry, nowSeconds: number): boolean {
    if (!isFresh(entry, nowSeconds) || entry.error !== undefined || entry.platforms === undefined) return false;
    return !this.#needsRevalidation(target, entry, nowSeconds);
  }

  /** Where this stage's answer lives. A scope known only from the credentials reads them first. */
  async #lookupFor(target: Target, stage: AccessStage, index: number, sharedFallback: CacheEntry | undefined, deadline: Deadline): Promise<Lookup | undefined> {
    const base = { ref: target.ref, always: target.always, credentials: stage.credentials, copyTo: target.ownKeys };
    if (stage.kind === 'shared') {
      return { ...base, key: target.sharedKey, identity: undefined, needsCredentials: false, fallback: undefined };
    }
    let scope = stage.scope;
    if (scope === undefined) {
      const credentials = await raceDeadline(stage.credentials(), deadline, () => []);
      scope = credentials[0]?.identity;
      if (scope === undefined) {
        // No credential for this registry: an anonymous lookup, shared by everyone (unless an earlier stage did that).
        if (index > 0) return undefined;
        return { ...base, key: target.sharedKey, identity: undefined, needsCredentials: false, fallback: undefined };
      }
    }
    return { ...base, key: lookupKey(target.ref, scope), identity: scope, needsCredentials: index > 0, fallback: sharedFallback };
  }


  async #answer(lookup: Lookup, hit: CacheHit | undefined, later: BatchedReads, run: Run): Promise<Answer> {
    const { deadline, writes } = run;
    const nowSeconds = this.#nowSeconds();
    const entry = hit?.entry;
    if (hit !== undefined && entry !== undefined && isFresh(entry, nowSeconds)) {
      if (entry.error !== undefined && entry.platforms === undefined) return { ok: false, error: entry.error, negative: hit.tier };
      if (entry.error !== undefined) return staleAnswer(lookup.ref, entry, entry.error);
      if (!this.#needsRevalidation(lookup, entry, nowSeconds)) return entryAnswer(lookup.ref, entry, hit.tier);
    }
    const fallback = entry?.platforms !== undefined ? entry : lookup.fallback;

    const work = (async (): Promise<Answer> => {
      try {
        const credentials = await lookup.credentials();
        if (credentials.length === 0 && lookup.needsCredentials) throw new NoCredentials();
        const identity = credentials.length > 0 ? lookup.identity : undefined;
        // With nothing cached for the tag a HEAD would only add a round trip before the GET.
        if (lookup.always && lookup.ref.digest === undefined && entry?.platforms !== undefined) {
          return await this.#revalidate(lookup, hit, credentials, identity, later, run);
        }
        return await this.#fetch(lookup, credentials, identity, run);
      } catch (error) {
        if (error instanceof NoCredentials) return { ok: false, error: 'no credentials', skipped: true };
        const text = errorText(error);
        const ourTimeout = deadline.signal.aborted;
        const remembered = !ourTimeout && isRegistrysOwn(error);
        if (fallback !== undefined) {
          if (remembered) writes.push([lookup.key, this.#rememberStale(fallback, text)]);
          return staleAnswer(lookup.ref, fallback, text);
        }
        if (remembered) writes.push([lookup.key, this.#negative(text)]);
        return { ok: false, error: ourTimeout ? timeoutText(deadline) : text, refused: isRefusal(error), remembered };
      }
    })();
    return raceDeadline(work, deadline, (): Answer => {
      const text = timeoutText(deadline);
      return fallback !== undefined ? staleAnswer(lookup.ref, fallback, text) : { ok: false, error: text };
    });
  }

  #needsRevalidation(lookup: { always: boolean; ref: ImageReference }, entry: CacheEntry, nowSeconds: number): boolean {
    if (!lookup.always || lookup.ref.digest !== undefined) return false;
    const storedAt = entry.freshUntil - this.#config.tagTtlSeconds;
    return nowSeconds - storedAt > ALWAYS_TRUST_SECONDS;
  }

  /** HEAD the tag; reuse what is cached for the digest it points to now; else a full resolve. */
  async #revalidate(
    lookup: Lookup,
    hit: CacheHit | undefined,
    credentials: RegistryCredential[],
    identity: string | undefined,
    later: BatchedReads,
    run: Run,
  ): Promise<Answer> {
    const { deadline, writes, source } = run;
    const digest = await source.headDigest(lookup.ref, { deadline, credentials });
    const tagged = hit?.entry;
    if (hit !== undefined && tagged?.platforms !== undefined && tagged.error === undefined && tagged.digest === digest) {
      this.#store(lookup, identity, this.#positive(this.#config.tagTtlSeconds, tagged.platforms, digest), writes);
      return { ok: true, digest, platforms: tagged.platforms, source: hit.tier };
    }
    const key = digestKey(lookup.ref, digest, identity);
    const found = await later.get(key);
    const platforms = found?.entry.platforms;
    if (found !== undefined && platforms !== undefined && found.entry.error === undefined && isFresh(found.entry, this.#nowSeconds())) {
      this.#store(lookup, identity, this.#positive(this.#config.tagTtlSeconds, platforms, digest), writes);
      return { ok: true, digest, platforms, source: found.tier };
    }
    return this.#fetch(lookup, credentials, identity, run);
  }

  async #fetch(lookup: Lookup, credentials: RegistryCredential[], identity: string | undefined, run: Run): Promise<Answer> {
    const { deadline, writes, source } = run;
    const answer = await source.resolve(lookup.ref, { deadline, credentials });
    const digest = lookup.ref.digest ?? answer.digest;
    const digestEntry = this.#positive(this.#config.digestTtlSeconds, answer.platforms);
    if (lookup.ref.digest === undefined) {
      writes.push([digestKey(lookup.ref, digest, identity), digestEntry]);
      this.#store(lookup, identity, this.#positive(this.#config.tagTtlSeconds, answer.platforms, digest), writes);
    } else {
      this.#store(lookup, identity, digestEntry, writes);
    }
    return { ok: true, digest, platforms: answer.platforms, source: 'registry' };
  }

  /** The entry under the key a lookup reads first; a shared answer also under the pod's own keys. */
  #store(lookup: Lookup, identity: string | undefined, entry: CacheEntry, writes: Writes): void {
    const key = lookup.ref.digest === undefined ? tagKey(lookup.ref, identity) : digestKey(lookup.ref, lookup.ref.digest, identity);
    writes.push([key, entry]);
    if (identity === undefined) {
      for (const own of lookup.copyTo) if (own !== key) writes.push([own, entry]);
    }
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

function entryAnswer(ref: ImageReference, entry: CacheEntry, tier: CacheTier): Answer {
  return { ok: true, digest: ref.digest ?? entry.digest ?? '', platforms: entry.platforms ?? [], source: tier };
}

function staleAnswer(ref: ImageReference, entry: CacheEntry, because: string): Answer {
  return { ok: true, digest: ref.digest ?? entry.digest ?? '', platforms: entry.platforms ?? [], source: 'stale', staleBecause: because };
}

/** Registry errors carry a `kind` (lib/registry/errors.ts); checked by shape to keep this module free of the client. */
function kindOf(error: unknown): string | undefined {
  const kind = (error as { kind?: unknown } | undefined)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

function isRefusal(error: unknown): boolean {
  return REFUSALS.has(kindOf(error) ?? '');
}

function isRegistrysOwn(error: unknown): boolean {
  if (error instanceof Error && TIMEOUT_NAMES.has(error.name)) return false;
  return !NOT_THE_REGISTRYS.has(kindOf(error) ?? '');
}

type ParsedInput = { ok: true; ref: ImageReference } | { ok: false; error: string };

function parseInput(image: string): ParsedInput {
  try {
    return { ok: true, ref: parseReference(image) };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

function repositoryOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

function unique(keys: string[]): string[] {
  return [...new Set(keys)];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

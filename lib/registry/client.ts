// OCI distribution client: one manifest GET per image (plus the config blob for single-arch
// images), auth challenges with cached tokens, bounded retries inside the request's time budget.
import { createHash } from 'node:crypto';
import { sleep, type Deadline } from '../deadline.ts';
import { registryApiHost } from '../image/reference.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { ImageReference, Platform, RegistryCredential } from '../types.ts';
import { parseChallenges, type Challenge } from './challenge.ts';
import { RegistryError, statusError, type RegistryErrorKind } from './errors.ts';
import { bareMediaType, MANIFEST_ACCEPT } from './media-types.ts';
import { ManifestError, MAX_INDEX_DEPTH, parseManifest, platformsFromConfig, dedupePlatforms, type Descriptor } from './platforms.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type AttemptOutcome, type RetryPolicy } from './retry.ts';
import { TokenCache } from './token-cache.ts';
import { NodeTransport, type Transport, type TransportRequest, type TransportResponse } from './transport.ts';

export { RegistryError } from './errors.ts';
export type { RegistryErrorKind } from './errors.ts';

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
}

export interface LookupOptions {
  deadline: Deadline;
  credentials?: RegistryCredential[];
}

export interface Resolved {
  digest: string;
  platforms: Platform[];
  mediaType: string;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_TOKEN_SECONDS = 60;
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const TOKEN_PATTERN = /^[\x21-\x7e]{1,8192}$/;

/** One lookup: which registry and repository, the budget, the credentials, and what worked. */
interface Session {
  registry: string;
  origin: string;
  repository: string;
  deadline: Deadline;
  credentials: RegistryCredential[];
  /** The credential that last worked in this session (tried first next time). */
  working?: RegistryCredential;
}

type Candidate = RegistryCredential | undefined;

export class RegistryClient {
  readonly #insecure: string[];
  readonly #transport: Transport;
  readonly #logger: Logger | undefined;
  readonly #metrics: Metrics;
  readonly #maxBytes: number;
  readonly #retryPolicy: RetryPolicy;
  readonly #random: () => number;
  readonly #tokens = new TokenCache();
  /** Token requests under way, by token key: lookups that need the same token wait for one request. */
  readonly #tokensInFlight = new Map<string, Promise<{ token: string; expiresIn: number }>>();
  /** The challenge each registry origin answered with, so later lookups skip the first 401. */
  readonly #challenges = new Map<string, Challenge>();

  constructor(options: RegistryClientOptions) {
    this.#insecure = options.insecureRegistries.map((host) => host.toLowerCase());
    this.#transport =
      options.transport ?? new NodeTransport({ insecureRegistries: options.insecureRegistries, privateRegistries: options.privateRegistries });
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#maxBytes = options.maxManifestBytes ?? DEFAULT_MAX_BYTES;
    this.#retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.#random = options.random ?? Math.random;
  }

  /** The image's digest and every platform it declares (index platforms, or its config's). */
  async resolve(ref: ImageReference, opts: LookupOptions): Promise<Resolved> {
    const session = this.#session(ref, opts);
    return this.#counted(session, async () => {
      const top = await this.#getManifest(session, ref.digest ?? ref.tag ?? 'latest', ref.digest);
      const classified = this.#classify(session, top.body, top.contentType);
      let platforms: Platform[];
      if (classified.kind === 'index') {
        platforms = [...classified.platforms, ...(await this.#followNested(session, classified.nestedIndexes, 2, new Set([top.digest])))];
      } else if (classified.kind === 'schema1') {
        platforms = classified.platforms;
      } else {
        platforms = await this.#configPlatforms(session, classified.config);
      }
      platforms = dedupePlatforms(platforms);
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
      const response = await this.#send(session, 'HEAD', this.#manifestUrl(session, reference), MANIFEST_ACCEPT);
      await this.#failUnlessOk(session, response);
      response.cancel();
      const header = response.headers['docker-content-digest']?.trim();
      if (header && DIGEST_PATTERN.test(header)) return header;
      // Some registries omit the header on HEAD: fall back to hashing the body.
      return (await this.#getManifest(session, reference, ref.digest)).digest;
    });
  }

  #session(ref: ImageReference, opts: LookupOptions): Session {
    const apiHost = registryApiHost(ref.registry);
    const insecure = this.#insecure.includes(ref.registry.toLowerCase()) || this.#insecure.includes(apiHost.toLowerCase());
    return {
      registry: apiHost,
      origin: `${insecure ? 'http' : 'https'}://${apiHost}`,
      repository: ref.repository,
      deadline: opts.deadline,
      credentials: opts.credentials ?? [],
    };
  }

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
    if (error instanceof RegistryError) return error;
    if (error instanceof ManifestError) {
      return new RegistryError('invalid-manifest', session.registry, `registry ${session.registry}: ${error.reason}`);
    }
    if (session.deadline.expired() || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError' || error.name === 'DeadlineExceededError'))) {
      return timeoutError(session);
    }
    return new RegistryError('network', session.registry, `registry ${session.registry}: ${(error as Error)?.message ?? 'request failed'}`);
  }

  #manifestUrl(session: Session, reference: string): URL {
    return new URL(`${session.origin}/v2/${session.repository}/manifests/${reference}`);
  }

  #classify(session: Session, body: Buffer, contentType: string | undefined): ReturnType<typeof parseManifest> {
    try {
      return parseManifest(body, contentType);
    } catch (error) {
      throw this.#asRegistryError(session, error);
    }
  }

  /** GET a manifest, read it within the size cap and establish its digest (verified when pinned). */
  async #getManifest(session: Session, reference: string, pinned: string | undefined): Promise<{ body: Buffer; digest: string; contentType?: string }> {
    const response = await this.#send(session, 'GET', this.#manifestUrl(session, reference), MANIFEST_ACCEPT);
    await this.#failUnlessOk(session, response);
    const body = await this.#readBody(session, response, 'manifest');
    const header = response.headers['docker-content-digest']?.trim();
    const expected = pinned ?? (header && DIGEST_PATTERN.test(header) ? header : undefined);
    const digest = expected ?? digestOf(body, 'sha256');
    if (expected && digestOf(body, expected.split(':')[0] as 'sha256' | 'sha512') !== expected) {
      throw new RegistryError('invalid-manifest', session.registry, `registry ${session.registry} served a manifest that does not match its digest ${expected}`);
    }
    const contentType = bareMediaType(response.headers['content-type']);
    return contentType === undefined ? { body, digest } : { body, digest, contentType };
  }

  async #followNested(session: Session, nested: Descriptor[], depth: number, seen: Set<string>): Promise<Platform[]> {
    if (depth > MAX_INDEX_DEPTH) return [];
    const platforms: Platform[] = [];
    for (const descriptor of nested) {
      if (seen.has(descriptor.digest)) continue;
      seen.add(descriptor.digest);
      const child = await this.#getManifest(session, descriptor.digest, descriptor.digest);
      const classified = this.#classify(session, child.body, child.contentType);
      if (classified.kind !== 'index') continue;
      platforms.push(...classified.platforms, ...(await this.#followNested(session, classified.nestedIndexes, depth + 1, seen)));
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
      const response = await this.#getFollowingRedirects(session, new URL(`${session.origin}/v2/${session.repository}/blobs/${config.digest}`));
      await this.#failUnlessOk(session, response);
      body = await this.#readBody(session, response, 'image config');
    }
    const algorithm = config.digest.split(':')[0] as 'sha256' | 'sha512';
    if (digestOf(body, algorithm) !== config.digest) {
      throw new RegistryError('invalid-manifest', session.registry, `the image config from ${session.registry} does not match its digest ${config.digest}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError('invalid-manifest', session.registry, `the image config from ${session.registry} is not valid JSON`);
    }
    try {
      return platformsFromConfig(json);
    } catch (error) {
      throw this.#asRegistryError(session, error);
    }
  }

  /** Blobs often redirect to storage hosts: follow, but never carry Authorization to another origin. */
  async #getFollowingRedirects(session: Session, url: URL): Promise<TransportResponse> {
    let response = await this.#send(session, 'GET', url, '*/*');
    let current = url;
    for (let hop = 0; hop < MAX_REDIRECTS && REDIRECT_STATUSES.has(response.status); hop++) {
      const location = response.headers.location;
      response.cancel();
      if (!location) throw new RegistryError('server', session.registry, `registry ${session.registry} redirected without a location`);
      const next = new URL(location, current);
      response =
        next.origin === new URL(session.origin).origin
          ? await this.#send(session, 'GET', next, '*/*')
          : await this.#exchange(session, { method: 'GET', url: next, headers: { accept: '*/*' } });
      current = next;
    }
    return response;
  }

  /** A request to the registry with auth: learns the challenge once, then tries credentials in order. */
  async #send(session: Session, method: 'GET' | 'HEAD', url: URL, accept: string): Promise<TransportResponse> {
    const headers = { accept };
    let challenge = this.#challenges.get(session.origin);
    if (!challenge) {
      const response = await this.#exchange(session, { method, url, headers });
      if (response.status !== 401) return response;
      challenge = pickChallenge(response.headers['www-authenticate']);
      if (!challenge) return response;
      response.cancel();
      this.#challenges.set(session.origin, challenge);
    }

    let last: TransportResponse | undefined;
    let lastError: RegistryError | undefined;
    for (const candidate of this.#candidates(session)) {
      let authorization: string | undefined;
      const usedCachedToken = challenge.scheme === 'bearer' && this.#tokens.get(this.#tokenKey(session, challenge, candidate)) !== undefined;
      try {
        authorization = await this.#authorization(session, challenge, candidate, false);
      } catch (error) {
        if (error instanceof RegistryError && (error.kind === 'unauthorized' || error.kind === 'forbidden')) {
          lastError = error;
          continue;
        }
        throw error;
      }
      if (authorization === undefined && candidate !== undefined) continue; // e.g. an identity token against Basic
      let response = await this.#exchange(session, { method, url, headers: withAuthorization(headers, authorization) });
      if (response.status === 401 && challenge.scheme === 'bearer' && usedCachedToken) {
        // A cached token the registry no longer accepts: fetch a fresh one once.
        const fresh = await this.#authorization(session, challenge, candidate, true).catch(() => undefined);
        if (fresh !== undefined && fresh !== authorization) {
          response.cancel();
          response = await this.#exchange(session, { method, url, headers: withAuthorization(headers, fresh) });
        }
      }
      if (response.status === 401 || response.status === 403) {
        last?.cancel();
        last = response;
        continue;
      }
      if (candidate !== undefined) session.working = candidate;
      last?.cancel();
      return response;
    }
    if (last) return last;
    throw lastError ?? new RegistryError('unauthorized', session.registry, `registry ${session.registry} requires credentials that work for ${session.repository}`);
  }

  #candidates(session: Session): Candidate[] {
    if (session.credentials.length === 0) return [undefined];
    if (!session.working) return session.credentials;
    return [session.working, ...session.credentials.filter((c) => c !== session.working)];
  }

  /** The Authorization header value for a candidate, or undefined for an anonymous request. */
  async #authorization(session: Session, challenge: Challenge, candidate: Candidate, refresh: boolean): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      return candidate?.kind === 'basic' ? basicAuthorization(candidate.username, candidate.password) : undefined;
    }
    const scope = `repository:${session.repository}:pull`;
    const key = this.#tokenKey(session, challenge, candidate);
    if (refresh) this.#tokens.delete(key);
    const cached = this.#tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    let inFlight = this.#tokensInFlight.get(key);
    if (inFlight === undefined) {
      inFlight = this.#fetchToken(session, challenge, scope, candidate)
        .then((fetched) => {
          this.#tokens.set(key, fetched.token, fetched.expiresIn);
          return fetched;
        })
        .finally(() => this.#tokensInFlight.delete(key));
      this.#tokensInFlight.set(key, inFlight);
    }
    return `Bearer ${(await inFlight).token}`;
  }

  #tokenKey(session: Session, challenge: Challenge, candidate: Candidate): string {
    const realm = challenge.scheme === 'bearer' ? `${challenge.realm}|${challenge.service ?? ''}` : 'basic';
    return [session.origin, realm, `repository:${session.repository}:pull`, candidate?.identity ?? 'anonymous'].join('|');
  }

  /** Docker token spec: GET the realm (Basic credentials or anonymous), or POST a refresh token. */
  async #fetchToken(
    session: Session,
    challenge: Extract<Challenge, { scheme: 'bearer' }>,
    scope: string,
    candidate: Candidate,
  ): Promise<{ token: string; expiresIn: number }> {
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      throw new RegistryError('server', session.registry, `registry ${session.registry} named an invalid token service`);
    }
    const tokenHost = realm.host;
    let request: Omit<TransportRequest, 'signal' | 'registry'>;
    if (candidate?.kind === 'identitytoken') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: candidate.token, client_id: 'archy', scope });
      if (challenge.service) form.set('service', challenge.service);
      request = { method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() };
    } else {
      const url = new URL(realm);
      if (challenge.service) url.searchParams.set('service', challenge.service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (candidate?.kind === 'basic') headers.authorization = basicAuthorization(candidate.username, candidate.password);
      request = { method: 'GET', url, headers };
    }
    const response = await this.#exchange(session, request);
    if (response.status !== 200) {
      const body = await this.#readBody(session, response, 'token answer').catch(() => undefined);
      const kind: RegistryErrorKind = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : response.status === 429 ? 'rate-limited' : 'server';
      const failure = statusError(session.registry, response.status, body);
      throw new RegistryError(kind, session.registry, failure.message.replace(`registry ${session.registry}`, `token service ${tokenHost} for ${session.registry}`), response.status);
    }
    const body = await this.#readBody(session, response, 'token answer');
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new RegistryError('server', session.registry, `token service ${tokenHost} for ${session.registry} answered with invalid JSON`);
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
      throw new RegistryError('server', session.registry, `token service ${tokenHost} for ${session.registry} answered without a usable token`);
    }
    const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    return { token, expiresIn };
  }

  /** One HTTP exchange with retries on network errors, 5xx and 429, never past the deadline. */
  async #exchange(session: Session, request: Omit<TransportRequest, 'signal' | 'registry'>): Promise<TransportResponse> {
    const { deadline } = session;
    for (let attempt = 1; ; attempt++) {
      if (deadline.expired()) throw timeoutError(session);
      this.#metrics.count('RegistryRequests', 1, { registry: session.registry });
      let outcome: AttemptOutcome;
      let response: TransportResponse | undefined;
      let failure: RegistryError | undefined;
      try {
        response = await this.#transport.request({ ...request, signal: deadline.signalWithin(deadline.remaining()), registry: session.registry });
        this.#logger?.debug({ registry: session.registry, method: request.method, path: request.url.pathname, status: response.status }, 'registry request');
        outcome = { kind: 'status', status: response.status, retryAfter: response.headers['retry-after'] };
      } catch (error) {
        failure = error instanceof RegistryError ? error : this.#asRegistryError(session, error);
        if (failure.kind !== 'network') throw deadline.expired() && failure.kind !== 'refused' ? timeoutError(session) : failure;
        outcome = { kind: 'network' };
      }
      const decision = decideRetry({ attempt, outcome, remainingMs: deadline.remaining(), now: Date.now(), random: this.#random(), policy: this.#retryPolicy });
      if (!decision.retry) {
        if (response) return response;
        throw failure as RegistryError;
      }
      response?.cancel();
      this.#logger?.debug({ registry: session.registry, attempt, delayMs: decision.delayMs }, 'registry request retried');
      try {
        await sleep(decision.delayMs, deadline.signal);
      } catch {
        throw timeoutError(session);
      }
    }
  }

  async #failUnlessOk(session: Session, response: TransportResponse): Promise<void> {
    if (response.status >= 200 && response.status < 300) return;
    const body = await this.#readBody(session, response, 'error answer').catch(() => undefined);
    throw statusError(session.registry, response.status, body);
  }

  /** Reads a body up to the size cap; stops reading (and drops the connection) past it. */
  async #readBody(session: Session, response: TransportResponse, what: string): Promise<Buffer> {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.#maxBytes) {
      response.cancel();
      throw tooLarge(session, what, this.#maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body) {
        total += chunk.length;
        if (total > this.#maxBytes) {
          response.cancel();
          throw tooLarge(session, what, this.#maxBytes);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw session.deadline.expired() ? timeoutError(session) : new RegistryError('network', session.registry, `the connection to ${session.registry} broke while reading the ${what}`);
    }
    return Buffer.concat(chunks);
  }
}

function pickChallenge(header: string | undefined): Challenge | undefined {
  const challenges = parseChallenges(header);
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

function withAuthorization(headers: Record<string, string>, authorization: string | undefined): Record<string, string> {
  return authorization === undefined ? headers : { ...headers, authorization };
}

function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function digestOf(body: Uint8Array, algorithm: 'sha256' | 'sha512'): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

function timeoutError(session: Session): RegistryError {
  return new RegistryError('timeout', session.registry, `registry ${session.registry} did not answer within the time budget`);
}

function tooLarge(session: Session, what: string, limit: number): RegistryError {
  return new RegistryError('too-large', session.registry, `the ${what} from ${session.registry} is larger than the ${limit}-byte limit`);
}

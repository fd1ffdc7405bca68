// Authentication as a layer over exchanges. Each registry origin's WWW-Authenticate challenge is
// remembered (bounded) so later lookups skip the first 401, shared with other instances through
// the cache table when one is configured (a cold instance reads it there instead of probing), and
// forgotten, here and there, when it stops working: its token service is gone or unreachable, or
// the registry answers 401 with another challenge. Then the registry is probed afresh, once per
// request. Bearer tokens are cached per registry + scope + identity. One token request serves
// every repository an admission needs from a registry (the scope parameter repeats); a repository
// the token does not grant (its `access` claims say so, or the registry answers 401 with it) gets
// a token of its own, and a token service that granted at most one of several scopes, or whose
// token was refused where one asked for alone works, is asked one scope per token from then on.
// Lookups that need a token already asked for wait for that request, which runs on its own time
// budget: each lookup waits for it only until its own deadline.
import { createHash } from 'node:crypto';
import type { Deadline } from '../deadline.ts';
import type { RegistryCredential } from '../types.ts';
import { BoundedMap } from './bounded-map.ts';
import { parseChallenges, sameChallenge, type Challenge } from './challenge.ts';
import type { ChallengeStore } from './challenge-store.ts';
import { RegistryError, timeoutError } from './errors.ts';
import { sessionContext, type Exchanger, type Purpose } from './exchange.ts';
import { basicAuthorization } from './secrets.ts';
import { timeLimit, type Session } from './session.ts';
import { TokenCache, type TokenAnswer } from './token-cache.ts';
import { pullScope } from './token-claims.ts';
import { isTokenServiceFailure, requestToken, type BearerChallenge } from './token-service.ts';
import type { TransportResponse } from './transport.ts';
import { untilAborted } from '../single-flight.ts';

export interface AuthRequest {
  method: 'GET' | 'HEAD';
  url: URL;
  accept: string;
  purpose: Purpose;
}

export interface AuthenticatorOptions {
  /** Challenges shared with other instances (the cache table). */
  challenges?: ChallengeStore;
}

/** Origins whose challenge is remembered at most (image names, hence origins, come from users). */
const MAX_CHALLENGES = 1000;
/** Tokens kept at most (registry + scope + identity). */
const MAX_TOKENS = 1000;
/** The time budget of one shared token request, whatever its callers' budgets are. */
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** Challenges longer than this are not remembered (nor answered): nothing real comes close. */
const MAX_CHALLENGE_CHARS = 4096;
/** Scopes asked for in one token request at most (the URL stays a few kilobytes). */
const MAX_SCOPES_PER_TOKEN = 32;
/** A shared challenge is waited for this long at most: the probe it saves is one round trip. */
const SHARED_READ_TIMEOUT_MS = 500;

type Candidate = RegistryCredential | undefined;

interface Authorization {
  header: string;
  /** The token's cache key, when a 401 may be answered by asking for a fresh token. */
  refreshable?: { key: string; multi: boolean };
}

/** How one round of credentials went with a challenge. */
type Attempt =
  | { kind: 'answer'; response: TransportResponse }
  | { kind: 'changed'; next: Challenge; response: TransportResponse }
  | { kind: 'unreachable'; error: RegistryError };

export class Authenticator {
  readonly #exchanger: Exchanger;
  readonly #challenges = new BoundedMap<string, Challenge>(MAX_CHALLENGES);
  readonly #tokens = new TokenCache({ maxEntries: MAX_TOKENS, loadTimeoutMs: TOKEN_REQUEST_TIMEOUT_MS });
  readonly #shared: ChallengeStore | undefined;
  /** Origins whose shared challenge was read (or is being read) by this instance. */
  readonly #sharedReads = new BoundedMap<string, Promise<Challenge | undefined>>(MAX_CHALLENGES);
  /** Token services (origin + realm + service) seen to grant one scope per token. */
  readonly #singleScope = new BoundedMap<string, true>(MAX_CHALLENGES);

  constructor(exchanger: Exchanger, options: AuthenticatorOptions = {}) {
    this.#exchanger = exchanger;
    this.#shared = options.challenges;
  }

  /** A request to the session's registry with whatever auth it asks for. */
  async send(session: Session, request: AuthRequest): Promise<TransportResponse> {
    let challenge = this.#challenges.get(session.origin) ?? (await this.#sharedChallenge(session));
    let reprobed = false;
    for (;;) {
      if (challenge === undefined) {
        const probe = await this.#exchange(session, request, undefined);
        const offered = probe.status === 401 ? pickChallenge(probe.headers['www-authenticate']) : undefined;
        if (offered === undefined) return probe;
        this.#learn(session.origin, offered);
        // Basic without a Basic credential: asking again anonymously would get the same 401.
        if (offered.scheme === 'basic' && !session.credentials.some((c) => c.kind === 'basic')) return probe;
        probe.cancel();
        challenge = offered;
      }
      const attempt = await this.#withCredentials(session, request, challenge);
      if (attempt.kind === 'answer') return attempt.response;
      if (this.#challenges.get(session.origin) === challenge) {
        this.#challenges.deleteIf(session.origin, challenge);
        this.#sharedReads.set(session.origin, Promise.resolve(undefined));
        this.#shared?.forget(session.origin);
      }
      if (reprobed) {
        if (attempt.kind === 'changed') return attempt.response;
        throw attempt.error;
      }
      reprobed = true;
      if (attempt.kind === 'changed') {
        attempt.response.cancel();
        challenge = attempt.next;
        this.#learn(session.origin, challenge);
      } else {
        challenge = undefined;
      }
    }
  }

  /** Remembers a challenge a registry answered with, here and (when it is new there) for other instances. */
  #learn(origin: string, challenge: Challenge): void {
    this.#challenges.set(origin, challenge);
    this.#sharedReads.set(origin, Promise.resolve(challenge));
    this.#shared?.remember(origin, challenge);
  }

  /**
   * Starts reading the shared challenge of an origin this instance knows nothing of, for a lookup
   * about to come (while the admission reads its cache): the lookup then finds it read or on its way.
   */
  prepare(origin: string, deadline: Deadline): void {
    if (this.#shared !== undefined && !this.#challenges.get(origin)) void this.#sharedRead(origin, deadline);
  }

  /** The origin's shared challenge, read once per origin (concurrent lookups share the read). */
  #sharedRead(origin: string, deadline: Deadline): Promise<Challenge | undefined> {
    let read = this.#sharedReads.get(origin);
    if (read === undefined && this.#shared !== undefined) {
      read = this.#shared.read(origin, AbortSignal.any([deadline.signal, AbortSignal.timeout(SHARED_READ_TIMEOUT_MS)])).catch(() => undefined);
      this.#sharedReads.set(origin, read);
    }
    return read ?? Promise.resolve(undefined);
  }

  /** The challenge another instance learned. */
  async #sharedChallenge(session: Session): Promise<Challenge | undefined> {
    if (this.#shared === undefined) return undefined;
    const read = this.#sharedRead(session.origin, session.deadline);
    const shared = await read;
    // A probe may have taught this instance something newer meanwhile.
    const known = this.#challenges.get(session.origin);
    if (known !== undefined) return known;
    if (shared !== undefined && this.#sharedReads.get(session.origin) === read) this.#challenges.set(session.origin, shared);
    return shared;
  }

  /** Tries the lookup's credentials in order (the one that worked last first) until one is let in. */
  async #withCredentials(session: Session, request: AuthRequest, challenge: Challenge): Promise<Attempt> {
    let refused: TransportResponse | undefined;
    let lastError: RegistryError | undefined;
    for (const candidate of candidates(session)) {
      let authorization: Authorization | undefined;
      try {
        authorization = await this.#authorization(session, challenge, candidate);
      } catch (error) {
        if (error instanceof RegistryError && (error.kind === 'unauthorized' || error.kind === 'forbidden')) {
          lastError = error;
          continue;
        }
        refused?.cancel();
        if (isTokenServiceFailure(error)) return { kind: 'unreachable', error };
        throw error;
      }
      if (authorization === undefined && candidate !== undefined) continue; // e.g. an identity token against Basic
      let response = await this.#exchange(session, request, authorization?.header);
      if (response.status === 401) {
        const offered = pickChallenge(response.headers['www-authenticate']);
        if (offered !== undefined && !sameChallenge(offered, challenge)) {
          refused?.cancel();
          return { kind: 'changed', next: offered, response };
        }
        const refreshable = authorization?.refreshable;
        if (refreshable !== undefined && challenge.scheme === 'bearer') {
          // A kept token the registry no longer accepts, or one asked for with other scopes that
          // does not serve this repository after all: one fresh token, for this repository alone.
          this.#tokens.delete(refreshable.key);
          const fresh = await this.#authorization(session, challenge, candidate, true).catch(ignoreRefusal);
          if (fresh !== undefined && fresh.header !== authorization?.header) {
            response.cancel();
            response = await this.#exchange(session, request, fresh.header);
            if (refreshable.multi && response.status !== 401 && response.status !== 403) this.#singleScope.set(serviceKey(session.origin, challenge), true);
          }
        }
      }
      if (response.status === 401 || response.status === 403) {
        refused?.cancel();
        refused = response;
        continue;
      }
      if (candidate !== undefined) session.working = candidate;
      refused?.cancel();
      return { kind: 'answer', response };
    }
    if (refused) return { kind: 'answer', response: refused };
    throw lastError ?? new RegistryError('unauthorized', session.registry, `registry ${session.registry} requires credentials that work for ${session.repository}`);
  }

  /**
   * The Authorization header for a candidate, or undefined for an anonymous request. `single`: a
   * token for this repository alone, whatever the admission's plan.
   */
  async #authorization(session: Session, challenge: Challenge, candidate: Candidate, single = false): Promise<Authorization | undefined> {
    if (challenge.scheme === 'basic') {
      return candidate?.kind === 'basic' ? { header: basicAuthorization(candidate.username, candidate.password) } : undefined;
    }
    const scope = pullScope(session.repository);
    const key = tokenKey(session.origin, challenge, scope, candidate);
    let kept = this.#tokens.peek(key);
    let pending = kept === undefined ? this.#tokens.inFlight(key) : undefined;
    if (kept === undefined && pending === undefined) {
      const others = single ? [] : this.#plannedOthers(session, challenge, candidate);
      if (others.length > 0) {
        // One turn of the event loop: the admission's lookups that start together join one request.
        await new Promise<void>((resolve) => setImmediate(resolve));
        kept = this.#tokens.peek(key);
        pending = kept === undefined ? this.#tokens.inFlight(key) : undefined;
      }
      if (kept === undefined && pending === undefined) pending = this.#startRequest(session, challenge, candidate, [scope, ...(single ? [] : this.#plannedOthers(session, challenge, candidate))]);
    }
    if (kept !== undefined) return this.#bearer(session, kept.token, { key, multi: kept.multi });

    let answer = await this.#wait(session, pending as Promise<TokenAnswer>);
    if (answer.multi && answer.granted !== undefined && !answer.granted.has(key)) {
      // A token asked for with other scopes does not grant this one: ask for it alone, once (a
      // token asked for alone is the answer, granted or not).
      answer = await this.#wait(session, this.#tokens.inFlight(key) ?? this.#startRequest(session, challenge, candidate, [scope]));
    }
    return this.#bearer(session, answer.token, answer.multi ? { key, multi: true } : undefined);
  }

  /** The admission's other repositories on this registry that have no token and none coming. */
  #plannedOthers(session: Session, challenge: BearerChallenge, candidate: Candidate): string[] {
    if (session.plan === undefined || this.#singleScope.get(serviceKey(session.origin, challenge))) return [];
    const others: string[] = [];
    for (const repository of new Set(session.plan.repositories(session.registry))) {
      if (repository === session.repository || others.length >= MAX_SCOPES_PER_TOKEN - 1) continue;
      const scope = pullScope(repository);
      const key = tokenKey(session.origin, challenge, scope, candidate);
      if (this.#tokens.peek(key) === undefined && this.#tokens.inFlight(key) === undefined) others.push(scope);
    }
    return others;
  }

  /** One token request for `scopes` (this lookup's first); every key it covers waits for it. */
  #startRequest(session: Session, challenge: BearerChallenge, candidate: Candidate, scopes: string[]): Promise<TokenAnswer> {
    const keys = scopes.map((scope) => tokenKey(session.origin, challenge, scope, candidate));
    return this.#tokens.load(keys, (signal) => this.#requestToken(session, challenge, scopes, keys, candidate, signal));
  }

  /** Waits for a token request until the lookup's own deadline. */
  async #wait(session: Session, answer: Promise<TokenAnswer>): Promise<TokenAnswer> {
    try {
      return await untilAborted(answer, session.deadline.signal);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      if (session.deadline.signal.aborted) throw timeoutError(session.registry);
      throw error;
    }
  }

  #bearer(session: Session, token: string, refreshable: Authorization['refreshable']): Authorization {
    session.secrets.add(token);
    return refreshable === undefined ? { header: `Bearer ${token}` } : { header: `Bearer ${token}`, refreshable };
  }

  /** The shared token request: its own time limit; the lookup that starts it pays its request budget. */
  async #requestToken(session: Session, challenge: BearerChallenge, scopes: string[], keys: string[], candidate: Candidate, signal: AbortSignal): Promise<TokenAnswer> {
    const context = { ...sessionContext(session), time: timeLimit(signal, TOKEN_REQUEST_TIMEOUT_MS) };
    const issued = await requestToken(this.#exchanger, context, challenge, scopes, candidate);
    const multi = scopes.length > 1;
    if (issued.granted === undefined) return { token: issued.token, ttlMs: issued.ttlMs, multi };
    const granted = new Set(keys.filter((_, index) => issued.granted?.has(scopes[index] as string)));
    // Asked for several, granted one at most: a service that grants one scope per token (or a pod
    // of repositories this identity may not pull, which one token each serves as well). Decided
    // before anyone waiting for this answer goes on, so none of them asks for several again.
    if (multi && granted.size <= 1) this.#singleScope.set(serviceKey(session.origin, challenge), true);
    return { token: issued.token, ttlMs: issued.ttlMs, granted, multi };
  }

  #exchange(session: Session, request: AuthRequest, authorization: string | undefined): Promise<TransportResponse> {
    const headers: Record<string, string> = { accept: request.accept };
    if (authorization !== undefined) headers.authorization = authorization;
    return this.#exchanger.exchange(sessionContext(session), { purpose: request.purpose, method: request.method, url: request.url, headers });
  }
}

function candidates(session: Session): Candidate[] {
  if (session.credentials.length === 0) return [undefined];
  if (!session.working) return session.credentials;
  return [session.working, ...session.credentials.filter((c) => c !== session.working)];
}

/** Bearer first (it keeps passwords away from the registry), then Basic; oversized ones are ignored. */
function pickChallenge(header: string | undefined): Challenge | undefined {
  const usable = parseChallenges(header).filter((c) => JSON.stringify(c).length <= MAX_CHALLENGE_CHARS);
  return usable.find((c) => c.scheme === 'bearer') ?? usable.find((c) => c.scheme === 'basic');
}

/** Fixed-size keys: realms and repositories come from registries and users. */
function tokenKey(origin: string, challenge: BearerChallenge, scope: string, candidate: Candidate): string {
  const parts = [origin, challenge.realm, challenge.service ?? '', scope, candidate?.identity ?? 'anonymous'];
  return createHash('sha256').update(parts.join('\n')).digest('base64url');
}

function serviceKey(origin: string, challenge: BearerChallenge): string {
  return createHash('sha256').update([origin, challenge.realm, challenge.service ?? ''].join('\n')).digest('base64url');
}

/** A refresh that fails for a credential's sake leaves the first answer standing; running out of time or budget does not. */
function ignoreRefusal(error: unknown): undefined {
  if (error instanceof RegistryError && (error.kind === 'timeout' || error.kind === 'budget')) throw error;
  return undefined;
}

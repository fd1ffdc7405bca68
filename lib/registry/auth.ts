// Authentication as a layer over exchanges. Each registry origin's WWW-Authenticate challenge is
// remembered (bounded) so later lookups skip the first 401, and forgotten when it stops working:
// its token service is gone or unreachable, or the registry answers 401 with another challenge.
// Then the registry is probed afresh, once per request. Bearer tokens are cached per registry +
// scope + identity, and lookups that need the same token share one token request, which runs on
// its own time budget: each lookup waits for it only until its own deadline.
import { createHash } from 'node:crypto';
import { SingleFlightCache } from '../single-flight.ts';
import type { RegistryCredential } from '../types.ts';
import { BoundedMap } from './bounded-map.ts';
import { parseChallenges, sameChallenge, type Challenge } from './challenge.ts';
import { RegistryError, timeoutError } from './errors.ts';
import { sessionContext, type Exchanger, type Purpose } from './exchange.ts';
import { basicAuthorization } from './secrets.ts';
import { timeLimit, type Session } from './session.ts';
import { isTokenServiceFailure, requestToken, type BearerChallenge } from './token-service.ts';
import type { TransportResponse } from './transport.ts';

export interface AuthRequest {
  method: 'GET' | 'HEAD';
  url: URL;
  accept: string;
  purpose: Purpose;
}

/** Origins whose challenge is remembered at most (image names, hence origins, come from users). */
const MAX_CHALLENGES = 1000;
/** Tokens kept at most (registry + scope + identity). */
const MAX_TOKENS = 1000;
/** The time budget of one shared token request, whatever its callers' budgets are. */
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** Challenges longer than this are not remembered (nor answered): nothing real comes close. */
const MAX_CHALLENGE_CHARS = 4096;

type Candidate = RegistryCredential | undefined;

interface Authorization {
  header: string;
  /** The kept token's cache key, when the header carries a token that was already kept. */
  keptToken?: string;
}

/** How one round of credentials went with a challenge. */
type Attempt =
  | { kind: 'answer'; response: TransportResponse }
  | { kind: 'changed'; next: Challenge; response: TransportResponse }
  | { kind: 'unreachable'; error: RegistryError };

export class Authenticator {
  readonly #exchanger: Exchanger;
  readonly #challenges = new BoundedMap<string, Challenge>(MAX_CHALLENGES);
  readonly #tokens = new SingleFlightCache<string>({ maxEntries: MAX_TOKENS, loadTimeoutMs: TOKEN_REQUEST_TIMEOUT_MS });

  constructor(exchanger: Exchanger) {
    this.#exchanger = exchanger;
  }

  /** A request to the session's registry with whatever auth it asks for. */
  async send(session: Session, request: AuthRequest): Promise<TransportResponse> {
    let challenge = this.#challenges.get(session.origin);
    let reprobed = false;
    for (;;) {
      if (challenge === undefined) {
        const probe = await this.#exchange(session, request, undefined);
        const offered = probe.status === 401 ? pickChallenge(probe.headers['www-authenticate']) : undefined;
        if (offered === undefined) return probe;
        this.#challenges.set(session.origin, offered);
        // Basic without a Basic credential: asking again anonymously would get the same 401.
        if (offered.scheme === 'basic' && !session.credentials.some((c) => c.kind === 'basic')) return probe;
        probe.cancel();
        challenge = offered;
      }
      const attempt = await this.#withCredentials(session, request, challenge);
      if (attempt.kind === 'answer') return attempt.response;
      this.#challenges.deleteIf(session.origin, challenge);
      if (reprobed) {
        if (attempt.kind === 'changed') return attempt.response;
        throw attempt.error;
      }
      reprobed = true;
      if (attempt.kind === 'changed') {
        attempt.response.cancel();
        challenge = attempt.next;
        this.#challenges.set(session.origin, challenge);
      } else {
        challenge = undefined;
      }
    }
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
        if (authorization?.keptToken !== undefined) {
          // A kept token the registry no longer accepts: one fresh token.
          this.#tokens.delete(authorization.keptToken);
          const fresh = await this.#authorization(session, challenge, candidate).catch(ignoreRefusal);
          if (fresh !== undefined && fresh.header !== authorization.header) {
            response.cancel();
            response = await this.#exchange(session, request, fresh.header);
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

  /** The Authorization header for a candidate, or undefined for an anonymous request. */
  async #authorization(session: Session, challenge: Challenge, candidate: Candidate): Promise<Authorization | undefined> {
    if (challenge.scheme === 'basic') {
      return candidate?.kind === 'basic' ? { header: basicAuthorization(candidate.username, candidate.password) } : undefined;
    }
    const scope = `repository:${session.repository}:pull`;
    const key = tokenKey(session.origin, challenge, scope, candidate);
    const kept = this.#tokens.peek(key) !== undefined;
    let token: string;
    try {
      token = await this.#tokens.get(key, (signal) => this.#requestToken(session, challenge, scope, candidate, signal), session.deadline.signal);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      if (session.deadline.signal.aborted) throw timeoutError(session.registry);
      throw error;
    }
    session.secrets.add(token);
    return kept ? { header: `Bearer ${token}`, keptToken: key } : { header: `Bearer ${token}` };
  }

  /** The shared token request: its own time limit; the lookup that starts it pays its request budget. */
  async #requestToken(session: Session, challenge: BearerChallenge, scope: string, candidate: Candidate, signal: AbortSignal): Promise<{ value: string; ttlMs: number }> {
    const context = { ...sessionContext(session), time: timeLimit(signal, TOKEN_REQUEST_TIMEOUT_MS) };
    const { token, ttlMs } = await requestToken(this.#exchanger, context, challenge, scope, candidate);
    return { value: token, ttlMs };
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

/** A refresh that fails for a credential's sake leaves the first answer standing; running out of time or budget does not. */
function ignoreRefusal(error: unknown): undefined {
  if (error instanceof RegistryError && (error.kind === 'timeout' || error.kind === 'budget')) throw error;
  return undefined;
}

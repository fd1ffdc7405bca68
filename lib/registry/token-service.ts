// The Docker token spec: a Bearer challenge's realm hands out a token for one or more scopes (the
// `scope` parameter repeats; space-separated in the OAuth2 form), anonymously, for Basic
// credentials (GET) or for an identity token (POST, OAuth2 refresh_token grant).
import type { RegistryCredential } from '../types.ts';
import { readBody, readErrorBody } from './body.ts';
import type { Challenge } from './challenge.ts';
import { describeAnswer, RegistryError, type RegistryErrorKind } from './errors.ts';
import type { ExchangeContext, ExchangeRequest, Exchanger } from './exchange.ts';
import { basicAuthorization } from './secrets.ts';
import { grantedScopes } from './token-claims.ts';

export type BearerChallenge = Extract<Challenge, { scheme: 'bearer' }>;

export interface IssuedToken {
  token: string;
  /** How long the token may be used: its lifetime minus a margin so it never expires in flight. */
  ttlMs: number;
  /**
   * The asked-for scopes the token's `access` claims grant; undefined when the token does not say
   * (not a JWT, or no `access` claim): only using it tells.
   */
  granted?: Set<string>;
}

const DEFAULT_TOKEN_SECONDS = 60;
const MAX_TOKEN_ANSWER_BYTES = 1024 * 1024;
const TOKEN_PATTERN = /^[\x21-\x7e]{1,8192}$/;

export async function requestToken(
  exchanger: Exchanger,
  context: ExchangeContext,
  challenge: BearerChallenge,
  scopes: string[],
  credential: RegistryCredential | undefined,
): Promise<IssuedToken> {
  const { registry, time } = context;
  const response = await exchanger.exchange(context, tokenRequest(registry, challenge, scopes, credential));
  if (response.status !== 200) {
    const body = await readErrorBody(response, registry, time);
    const detail = describeAnswer(response.status, body);
    throw new RegistryError(tokenFailureKind(response.status), registry, `the token service of registry ${registry} answered ${response.status}: ${detail}`, response.status);
  }
  const body = await readBody(response, { registry, maxBytes: MAX_TOKEN_ANSWER_BYTES, what: 'token answer', time });
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw new RegistryError('server', registry, `the token service of registry ${registry} answered with invalid JSON`);
  }
  const token = typeof parsed?.token === 'string' && parsed.token ? parsed.token : parsed?.access_token;
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    throw new RegistryError('server', registry, `the token service of registry ${registry} answered without a usable token`);
  }
  const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
  const granted = grantedScopes(token, scopes);
  return granted === undefined ? { token, ttlMs: tokenTtlMs(seconds) } : { token, ttlMs: tokenTtlMs(seconds), granted };
}

/** True when the token service itself failed (gone or unreachable), not the credential. */
export function isTokenServiceFailure(error: unknown): error is RegistryError {
  return error instanceof RegistryError && error.kind !== 'refused' && (error.kind === 'network' || error.status === 404);
}

/** The lifetime minus a margin (10 %, at most 30 s). */
export function tokenTtlMs(lifetimeSeconds: number): number {
  const lifetimeMs = lifetimeSeconds * 1000;
  return lifetimeMs - Math.min(30_000, lifetimeMs * 0.1);
}

function tokenRequest(registry: string, challenge: BearerChallenge, scopes: string[], credential: RegistryCredential | undefined): ExchangeRequest {
  let realm: URL;
  try {
    realm = new URL(challenge.realm);
  } catch {
    throw new RegistryError('server', registry, `registry ${registry} named an invalid token service`);
  }
  if (credential?.kind === 'identitytoken') {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.token, client_id: 'archy', scope: scopes.join(' ') });
    if (challenge.service) form.set('service', challenge.service);
    return {
      purpose: 'token',
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    };
  }
  if (challenge.service) realm.searchParams.set('service', challenge.service);
  realm.searchParams.delete('scope');
  for (const scope of scopes) realm.searchParams.append('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credential?.kind === 'basic') headers.authorization = basicAuthorization(credential.username, credential.password);
  return { purpose: 'token', method: 'GET', url: realm, headers };
}

function tokenFailureKind(status: number): RegistryErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate-limited';
  return 'server';
}

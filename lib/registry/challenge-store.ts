// Challenges shared between function instances (the DynamoDB table, lib/cache/challenges.ts): a
// cold instance that meets a registry whose challenge another instance learned skips the 401
// probe. A challenge is registry-public (scheme, token realm, service: what any anonymous request
// is told), never a credential or a token; what is read back is validated and bounded again, as
// anything from the table could have been written by an older or a broken version.
import type { Challenge } from './challenge.ts';

export interface ChallengeStore {
  /** The challenge remembered for `origin` while it is fresh; undefined otherwise. Never rejects. */
  read(origin: string, signal: AbortSignal): Promise<Challenge | undefined>;
  /** Shares what a probe learned. Never throws; the write goes on in the background. */
  remember(origin: string, challenge: Challenge): void;
  /** The remembered challenge failed (the rule of lib/registry/auth.ts): nobody should use it. */
  forget(origin: string): void;
}

/** A challenge as stored: `s` scheme, `r` realm, `v` service. */
export interface StoredChallenge {
  s: 'bearer' | 'basic';
  r?: string;
  v?: string;
}

const MAX_REALM_CHARS = 1024;
const MAX_SERVICE_CHARS = 256;
const PRINTABLE = /^[\x20-\x7e]*$/;

/** What of `challenge` may be shared; undefined when something in it is not fit to be. */
export function toStored(challenge: Challenge): StoredChallenge | undefined {
  if (challenge.scheme === 'basic') return { s: 'basic' };
  if (!isRealm(challenge.realm)) return undefined;
  if (challenge.service === undefined) return { s: 'bearer', r: challenge.realm };
  return isService(challenge.service) ? { s: 'bearer', r: challenge.realm, v: challenge.service } : undefined;
}

/** The challenge a stored one stands for, or undefined when it is not valid. */
export function fromStored(stored: { s?: unknown; r?: unknown; v?: unknown }): Challenge | undefined {
  if (stored.s === 'basic') return { scheme: 'basic' };
  if (stored.s !== 'bearer' || typeof stored.r !== 'string' || !isRealm(stored.r)) return undefined;
  if (stored.v === undefined) return { scheme: 'bearer', realm: stored.r };
  return typeof stored.v === 'string' && isService(stored.v) ? { scheme: 'bearer', realm: stored.r, service: stored.v } : undefined;
}

/** An absolute http(s) URL without user information, of a sane length. */
function isRealm(realm: string): boolean {
  if (realm.length > MAX_REALM_CHARS || !PRINTABLE.test(realm)) return false;
  try {
    const url = new URL(realm);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function isService(service: string): boolean {
  return service.length <= MAX_SERVICE_CHARS && PRINTABLE.test(service);
}

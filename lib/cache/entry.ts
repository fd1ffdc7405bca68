// One cached answer about an image. Small on purpose: no manifests, never a credential.
import type { Platform } from '../types.ts';

export interface CacheEntry {
  /** The manifest digest a tag pointed to (tag entries only). */
  digest?: string;
  platforms?: Platform[];
  /** Set on a failure. With `platforms` too, it records a stale answer kept while the registry fails. */
  error?: string;
  /** Epoch seconds: the entry answers without asking the registry until then. */
  freshUntil: number;
  /** Epoch seconds: after this the entry is gone (DynamoDB TTL attribute; readable as stale until then). */
  expiresAt: number;
}

export type CacheTier = 'memory' | 'dynamodb';

export interface CacheHit {
  entry: CacheEntry;
  tier: CacheTier;
}

export function epochSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

export function isFresh(entry: CacheEntry, nowSeconds: number): boolean {
  return nowSeconds < entry.freshUntil;
}

/** Still present: fresh, or inside the stale window. TTL deletes lazily, so every read checks. */
export function isReadable(entry: CacheEntry, nowSeconds: number): boolean {
  return nowSeconds < entry.expiresAt;
}

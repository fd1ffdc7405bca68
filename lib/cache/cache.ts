import type { Deadline } from '../deadline.ts';
import type { CacheEntry, CacheHit } from './entry.ts';


/** The cache behind the resolver: one call reads many keys, one call writes many entries. */
export interface PlatformCache {
  /** Readable entries only (not past `expiresAt`); never rejects. */
  getMany(keys: string[], deadline: Deadline): Promise<Map<string, CacheHit>>;
  /**
   * Every key, answered at once from memory; undefined when memory lacks one (then ask getMany).
   * A warm admission then waits for nothing, not even a timer.
   */
  getAllNow?(keys: string[]): Map<string, CacheHit> | undefined;
  /** Never rejects. */
  putMany(items: Array<[string, CacheEntry]>, deadline: Deadline): Promise<void>;
  /** For /healthz: whether the tiers answer. Never rejects. */
  health(): Promise<CacheHealth>;
}

export interface CacheHealth {
  ok: boolean;
  tiers: string[];
  table?: string;
  /** The error's name only (e.g. ResourceNotFoundException): never a message that could carry data. */
  error?: string;
}

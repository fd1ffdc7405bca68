// Bearer tokens kept per key (origin + realm + service + scope + identity), bounded, and the token
// requests in flight. One request may cover several keys (one token for several repositories of
// an admission): every key it covers waits for it instead of asking again, and every key the token
// grants is kept. Each request runs on a budget of its own; callers wait only until their own
// deadline (untilAborted). Failures are never kept.
import { untilAborted } from '../single-flight.ts';

export interface KeptToken {
  token: string;
  expiresAt: number;
  /** Asked for together with other scopes (used to tell whether such tokens work here). */
  multi: boolean;
}

export interface TokenAnswer {
  token: string;
  ttlMs: number;
  /** The keys the token serves; undefined: every key asked for (the token does not say). */
  granted?: Set<string>;
  multi: boolean;
}

export interface TokenCacheOptions {
  maxEntries: number;
  loadTimeoutMs: number;
  now?: () => number;
}

export class TokenCache {
  readonly #kept = new Map<string, KeptToken>();
  readonly #loading = new Map<string, Promise<TokenAnswer>>();
  readonly #maxEntries: number;
  readonly #loadTimeoutMs: number;
  readonly #now: () => number;

  constructor(options: TokenCacheOptions) {
    this.#maxEntries = Math.max(1, options.maxEntries);
    this.#loadTimeoutMs = options.loadTimeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /** The kept token while it is fresh. */
  peek(key: string): KeptToken | undefined {
    const kept = this.#kept.get(key);
    if (kept === undefined) return undefined;
    if (kept.expiresAt <= this.#now()) {
      this.#kept.delete(key);
      return undefined;
    }
    return kept;
  }

  delete(key: string): void {
    this.#kept.delete(key);
  }

  /** The request in flight that covers `key`, if any. */
  inFlight(key: string): Promise<TokenAnswer> | undefined {
    return this.#loading.get(key);
  }

  /** Starts one request covering `keys` (the caller's first). Settles with the answer, on the request's own budget. */
  load(keys: string[], request: (signal: AbortSignal) => Promise<TokenAnswer>): Promise<TokenAnswer> {
    const budget = AbortSignal.timeout(this.#loadTimeoutMs);
    const loading = untilAborted(request(budget), budget).then((answer) => {
      if (answer.ttlMs > 0) {
        for (const key of keys) if (answer.granted === undefined || answer.granted.has(key)) this.#keep(key, answer);
      }
      return answer;
    });
    // Forgotten in a reaction, never synchronously; nobody may be waiting when it fails.
    const settled = loading.finally(() => {
      for (const key of keys) if (this.#loading.get(key) === settled) this.#loading.delete(key);
    });
    settled.catch(() => undefined);
    for (const key of keys) this.#loading.set(key, settled);
    return settled;
  }

  get size(): number {
    return this.#kept.size;
  }

  #keep(key: string, answer: TokenAnswer): void {
    this.#kept.delete(key);
    this.#kept.set(key, { token: answer.token, expiresAt: this.#now() + answer.ttlMs, multi: answer.multi });
    while (this.#kept.size > this.#maxEntries) {
      const oldest = this.#kept.keys().next().value as string;
      this.#kept.delete(oldest);
    }
  }
}

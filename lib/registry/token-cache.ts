// Bearer tokens, cached per registry + scope + credential identity for their lifetime.

interface Entry {
  token: string;
  expiresAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1000) {
    this.#maxEntries = maxEntries;
  }

  get(key: string, now = Date.now()): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(key: string, token: string, lifetimeSeconds: number, now = Date.now()): void {
    const ttlMs = tokenTtlMs(lifetimeSeconds);
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { token, expiresAt: now + ttlMs });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** The lifetime minus a margin (10 %, at most 30 s) so a token never expires in flight. */
export function tokenTtlMs(lifetimeSeconds: number): number {
  const lifetimeMs = lifetimeSeconds * 1000;
  return lifetimeMs - Math.min(30_000, lifetimeMs * 0.1);
}

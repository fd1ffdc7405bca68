// Cache reads that happen after the first one (keys known only once credentials are read) are
// gathered while the pod's lookups run side by side, and sent as one getMany: the shared tier is
// asked once more per admission at most per round, never once per image.
import type { PlatformCache } from '../cache/cache.ts';
import type { CacheHit } from '../cache/entry.ts';
import { raceDeadline, type Deadline } from '../deadline.ts';

export class BatchedReads {
  readonly #cache: PlatformCache;
  readonly #deadline: Deadline;
  #pending: Map<string, Array<(hit: CacheHit | undefined) => void>> | undefined;

  constructor(cache: PlatformCache, deadline: Deadline) {
    this.#cache = cache;
    this.#deadline = deadline;
  }

  get(key: string): Promise<CacheHit | undefined> {
    return new Promise((resolve) => {
      if (this.#pending === undefined) {
        this.#pending = new Map();
        // setImmediate, not a microtask: lookups waiting on the same credentials resume in the
        // same turn of the event loop, one after another.
        setImmediate(() => void this.#flush());
      }
      const waiting = this.#pending.get(key) ?? [];
      waiting.push(resolve);
      this.#pending.set(key, waiting);
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending ?? new Map<string, Array<(hit: CacheHit | undefined) => void>>();
    this.#pending = undefined;
    const hits = await raceDeadline(
      this.#cache.getMany([...batch.keys()], this.#deadline).catch(() => new Map<string, CacheHit>()),
      this.#deadline,
      () => new Map<string, CacheHit>(),
    );
    for (const [key, waiting] of batch) for (const resolve of waiting) resolve(hits.get(key));
  }
}

// At most one Event per object and reason per interval, in this instance. Marked when the write is
// started, not when it succeeds: concurrent admissions of one ReplicaSet's pods write once, and an
// API server that refuses or hangs is asked once per interval, not once per pod. Keys come from
// what pods say, so the memory is bounded; past it, the oldest mark is forgotten first.
import { BoundedMap } from '../registry/bounded-map.ts';
import type { ObjectRef } from './event-object.ts';

export const EVENT_INTERVAL_MS = 5 * 60_000;
const MAX_MARKS = 10_000;

export class EventLimiter {
  readonly #marks = new BoundedMap<string, number>(MAX_MARKS);
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? EVENT_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** True (and marked) when no Event of `reason` on `regarding` was started within the interval. */
  take(regarding: ObjectRef, reason: string): boolean {
    const key = JSON.stringify([regarding.namespace, regarding.kind, regarding.name, regarding.uid ?? '', reason]);
    const now = this.#now();
    const last = this.#marks.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    this.#marks.set(key, now);
    return true;
  }
}

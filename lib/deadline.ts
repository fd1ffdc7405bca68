// One time budget per admission: every registry, DynamoDB and Kubernetes call takes what is left.

export class DeadlineExceededError extends Error {
  constructor(what: string) {
    super(`time budget exhausted: ${what}`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * The budget's clock, its timer and its AbortSignal are made only when something waits on it: an
 * admission answered from memory asks no one to wait, and every request of the local server pays
 * for what is made here.
 */
export class Deadline {
  readonly startedAt: number;
  readonly expiresAt: number;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #waiting: Set<() => void> | undefined;
  #fired = false;
  #disposed = false;

  constructor(budgetMs: number, now: number = Date.now()) {
    this.startedAt = now;
    this.expiresAt = now + budgetMs;
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  expired(): boolean {
    return this.remaining() === 0;
  }

  /** Whether the budget's timer has fired (what aborts `signal`). */
  get fired(): boolean {
    return this.#fired;
  }

  /** Aborts when the budget runs out. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#fired) this.#controller.abort(new DeadlineExceededError('deadline'));
      else this.#arm();
    }
    return this.#controller.signal;
  }

  /**
   * Calls `callback` once when the budget runs out (at once when it has); returns what cancels
   * the call. Lighter than a listener on `signal`, for the many short waits of an admission.
   */
  onExpiry(callback: () => void): () => void {
    if (this.#fired) {
      callback();
      return () => undefined;
    }
    const waiting = (this.#waiting ??= new Set());
    waiting.add(callback);
    this.#arm();
    return () => waiting.delete(callback);
  }

  /** A signal that aborts after `capMs` or at the deadline, whichever comes first. */
  signalWithin(capMs: number): AbortSignal {
    return AbortSignal.any([this.signal, AbortSignal.timeout(Math.max(1, Math.min(capMs, this.remaining())))]);
  }

  /** Stops the timer; call when the admission is answered. What still waits is never called. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#disposed || this.#fired) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, this.expiresAt - Date.now()));
    this.#timer.unref();
  }

  #fire(): void {
    this.#fired = true;
    this.#controller?.abort(new DeadlineExceededError('deadline'));
    const waiting = this.#waiting;
    this.#waiting = undefined;
    for (const callback of waiting ?? []) callback();
  }
}

/** Settles with `work`, or with `onTimeout()` when the deadline fires first (work keeps running). */
export function raceDeadline<T>(work: Promise<T>, deadline: Deadline, onTimeout: () => T): Promise<T> {
  if (deadline.fired) {
    work.catch(() => undefined);
    return Promise.resolve(onTimeout());
  }
  return new Promise<T>((resolve, reject) => {
    const cancel = deadline.onExpiry(() => resolve(onTimeout()));
    work.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error as Error);
      },
    );
  });
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

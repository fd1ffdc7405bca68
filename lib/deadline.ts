// One time budget per admission: every registry, DynamoDB and Kubernetes call takes what is left.

export class DeadlineExceededError extends Error {
  constructor(what: string) {
    super(`time budget exhausted: ${what}`);
    this.name = 'DeadlineExceededError';
  }
}

export class Deadline {
  readonly startedAt: number;
  readonly expiresAt: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;

  constructor(budgetMs: number, now: number = Date.now()) {
    this.startedAt = now;
    this.expiresAt = now + budgetMs;
    this.#timer = setTimeout(() => this.#controller.abort(new DeadlineExceededError('deadline')), budgetMs);
    this.#timer.unref();
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

  /** Aborts when the budget runs out. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** A signal that aborts after `capMs` or at the deadline, whichever comes first. */
  signalWithin(capMs: number): AbortSignal {
    return AbortSignal.any([this.signal, AbortSignal.timeout(Math.max(1, Math.min(capMs, this.remaining())))]);
  }

  /** Stops the timer; call when the admission is answered. */
  dispose(): void {
    clearTimeout(this.#timer);
  }
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

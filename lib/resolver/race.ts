import type { Deadline } from '../deadline.ts';

/** Settles with `work`, or with `onTimeout()` when the deadline fires first (work keeps running). */
export function raceDeadline<T>(work: Promise<T>, deadline: Deadline, onTimeout: () => T): Promise<T> {
  if (deadline.signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(onTimeout());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => resolve(onTimeout());
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        deadline.signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        deadline.signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

export function timeoutText(deadline: Deadline): string {
  return `timed out after ${deadline.expiresAt - deadline.startedAt} ms`;
}

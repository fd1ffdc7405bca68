import type { Deadline } from '../deadline.ts';

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

export function timeoutText(deadline: Deadline): string {
  return `timed out after ${deadline.expiresAt - deadline.startedAt} ms`;
}

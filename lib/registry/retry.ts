// PURE: when to retry a registry request and how long to wait first.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

export type AttemptOutcome = { kind: 'network' } | { kind: 'status'; status: number; retryAfter?: string };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'answer' | 'attempts' | 'deadline' };

/** Network errors, 5xx and 429 are retried; every other status is an answer. */
export function isRetryable(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'network' || outcome.status === 429 || (outcome.status >= 500 && outcome.status <= 599);
}

/** Exponential backoff with full jitter: a uniform wait in [0, min(max, base·2^attempt)). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.min(Math.max(random, 0), 1) * ceiling);
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Decides after attempt number `attempt` (1-based). A wait that would end past the deadline is not
 * taken: better to answer now than to time out later.
 */
export function decideRetry(input: {
  attempt: number;
  outcome: AttemptOutcome;
  remainingMs: number;
  now: number;
  random: number;
  policy?: RetryPolicy;
}): RetryDecision {
  const policy = input.policy ?? DEFAULT_RETRY_POLICY;
  if (!isRetryable(input.outcome)) return { retry: false, reason: 'answer' };
  if (input.attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts' };
  const retryAfter = input.outcome.kind === 'status' ? parseRetryAfter(input.outcome.retryAfter, input.now) : undefined;
  const delayMs = retryAfter ?? backoffDelay(input.attempt, policy, input.random);
  // Leave room for the retried request itself, not only the wait.
  if (delayMs + MIN_REQUEST_MS >= input.remainingMs) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs };
}

const MIN_REQUEST_MS = 50;

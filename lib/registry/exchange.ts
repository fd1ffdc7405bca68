// One HTTP exchange with a registry (or its token service, or a storage host it redirects to):
// spends one request of the lookup's budget per attempt, retries network errors, 5xx and 429 with
// backoff inside the time limit, and counts and logs it without any text the other side sent.
import { sleep } from '../deadline.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { budgetError, RegistryError, timeoutError } from './errors.ts';
import { decideRetry, type AttemptOutcome, type RetryPolicy } from './retry.ts';
import type { RequestBudget, Session, TimeLimit } from './session.ts';
import type { Transport, TransportRequest, TransportResponse } from './transport.ts';

/** What a request is for; only requests to URLs we built log their path. */
export type Purpose = 'manifest' | 'blob' | 'redirect' | 'token';

export interface ExchangeRequest extends Omit<TransportRequest, 'signal' | 'registry'> {
  purpose: Purpose;
}

/** On whose behalf and within which limits an exchange runs. */
export interface ExchangeContext {
  registry: string;
  time: TimeLimit;
  budget?: RequestBudget;
}

/** A lookup's own context: its registry, its deadline, its request budget. */
export function sessionContext(session: Session): ExchangeContext {
  const context: ExchangeContext = { registry: session.registry, time: session.deadline };
  if (session.budget) context.budget = session.budget;
  return context;
}

export interface ExchangerOptions {
  transport: Transport;
  metrics: Metrics;
  logger?: Logger;
  retryPolicy: RetryPolicy;
  random: () => number;
}

const NODE_ERROR_CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

export class Exchanger {
  readonly #options: ExchangerOptions;

  constructor(options: ExchangerOptions) {
    this.#options = options;
  }

  async exchange(context: ExchangeContext, request: ExchangeRequest): Promise<TransportResponse> {
    const { registry, time, budget } = context;
    const { transport, metrics, logger, retryPolicy, random } = this.#options;
    const { purpose, ...wire } = request;
    for (let attempt = 1; ; attempt++) {
      if (time.signal.aborted || time.remaining() === 0) throw timeoutError(registry);
      if (budget && !budget.take(registry)) throw budgetError(registry);
      metrics.count('RegistryRequests', 1, { registry });
      let outcome: AttemptOutcome;
      let response: TransportResponse | undefined;
      let failure: RegistryError | undefined;
      try {
        response = await transport.request({ ...wire, signal: time.signal, registry });
        const path = purpose === 'manifest' || purpose === 'blob' ? wire.url.pathname : undefined;
        logger?.debug({ registry, purpose, method: wire.method, path, status: response.status }, 'registry request');
        outcome = { kind: 'status', status: response.status, retryAfter: response.headers['retry-after'] };
      } catch (error) {
        failure = asRegistryError(error, registry, time);
        if (failure.kind !== 'network') throw failure;
        outcome = { kind: 'network' };
      }
      const decision = decideRetry({ attempt, outcome, remainingMs: time.remaining(), now: Date.now(), random: random(), policy: retryPolicy });
      if (!decision.retry) {
        if (response) return response;
        throw failure as RegistryError;
      }
      response?.cancel();
      logger?.debug({ registry, purpose, attempt, delayMs: decision.delayMs }, 'registry request retried');
      try {
        await sleep(decision.delayMs, time.signal);
      } catch {
        throw timeoutError(registry);
      }
    }
  }
}

/** A transport failure as a RegistryError whose message holds only our own words. */
function asRegistryError(error: unknown, registry: string, time: TimeLimit): RegistryError {
  const expired = time.signal.aborted || time.remaining() === 0;
  if (error instanceof RegistryError) return expired && error.kind === 'network' ? timeoutError(registry) : error;
  if (expired || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) return timeoutError(registry);
  const code = (error as { code?: unknown } | undefined)?.code;
  const detail = typeof code === 'string' && NODE_ERROR_CODE.test(code) ? ` (${code})` : '';
  return new RegistryError('network', registry, `could not reach ${registry}${detail}`);
}

// One image lookup: which registry and repository, its time and request budgets, its credentials
// and what it learned on the way.
import type { Deadline } from '../deadline.ts';
import type { RegistryCredential } from '../types.ts';

/** How many registry requests one admission may still make; the resolver creates one per admission. */
export interface RequestBudget {
  /** Spends one request to `registry`; false when the limit is reached (nothing is spent then). */
  take(registry: string): boolean;
}

/**
 * The repositories one admission looks up, per registry (API host), known as its lookups start:
 * a token request asks for all of them at once (lib/registry/auth.ts).
 */
export interface ScopePlan {
  repositories(registry: string): string[];
}

/** The time an exchange may take: a signal that aborts at its end, and what is left. */
export interface TimeLimit {
  readonly signal: AbortSignal;
  remaining(): number;
}

export interface Session {
  /** The API host, e.g. `registry-1.docker.io` for `docker.io`. */
  registry: string;
  /** `https://host[:port]` (plain `http` for listed insecure registries). */
  origin: string;
  repository: string;
  deadline: Deadline;
  budget?: RequestBudget;
  /** The admission's other repositories; absent: tokens are asked for this repository alone. */
  plan?: ScopePlan;
  credentials: RegistryCredential[];
  /** The credential that last worked in this lookup (tried first next time). */
  working?: RegistryCredential;
  /** Every secret value this lookup sent or received, so none can reach an error message. */
  secrets: Set<string>;
}

/** A time limit of its own, `ms` long from now (shared requests that outlive their callers). */
export function timeLimit(signal: AbortSignal, ms: number): TimeLimit {
  const endsAt = Date.now() + ms;
  return { signal, remaining: () => Math.max(0, endsAt - Date.now()) };
}

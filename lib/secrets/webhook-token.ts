// The webhook token (the secret path segment of /mutate/<token>): given as ARCHY_WEBHOOK_TOKEN (the
// local server, tests), read from Secrets Manager by ARCHY_WEBHOOK_TOKEN_SECRET_ARN (a deployed
// stack: the token stays out of the function's configuration), or none (sls invoke local).
import { credentialsFrom } from '../aws/credentials.ts';
import { getSecretString } from '../aws/secrets-manager.ts';
import { isWebhookToken, WEBHOOK_TOKEN_ACCEPTED, type Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { SingleFlightCache } from '../single-flight.ts';

/** The token; undefined when the webhook has none. Rejects with TokenNotLoadedError while it cannot be read. */
export type WebhookToken = () => Promise<string | undefined>;

export type ReadSecret = (secretArn: string, signal: AbortSignal) => Promise<string>;

export interface WebhookTokenOptions {
  config: Pick<Config, 'webhookToken' | 'webhookTokenSecretArn'>;
  logger: Logger;
  /** Endpoint overrides and credentials for the default reader. */
  env?: Record<string, string | undefined>;
  readSecret?: ReadSecret;
  loadTimeoutMs?: number;
}

/**
 * One read's budget. The first request waits for it on top of its own time budget (3 s by default),
 * so both fit the function timeout (6 s) with room to answer.
 */
export const TOKEN_LOAD_TIMEOUT_MS = 2000;

export const NO_TOKEN_WARNING =
  'no webhook token: every /mutate request is served — fine for sls invoke local, never for a deployed stack';

export class TokenNotLoadedError extends Error {
  constructor(cause: unknown) {
    super(`webhook token not loaded: ${reason(cause)}`, { cause });
    this.name = 'TokenNotLoadedError';
  }
}

export function createWebhookToken(options: WebhookTokenOptions): WebhookToken {
  const { logger } = options;
  const { webhookToken, webhookTokenSecretArn: secretArn } = options.config;
  if (webhookToken !== undefined) return () => Promise.resolve(webhookToken);
  if (secretArn === undefined) {
    logger.warn(NO_TOKEN_WARNING);
    return () => Promise.resolve(undefined);
  }

  const readSecret = options.readSecret ?? defaultReader(options.env ?? process.env);
  // Kept for the life of the instance; a failure is never kept, so the next request reads again.
  const tokens = new SingleFlightCache<string>({ maxEntries: 1, loadTimeoutMs: options.loadTimeoutMs ?? TOKEN_LOAD_TIMEOUT_MS });
  const load = async (signal: AbortSignal) => {
    const value = (await readSecret(secretArn, signal)).trim();
    if (!isWebhookToken(value)) throw new Error(`the secret's value is not a webhook token (expected ${WEBHOOK_TOKEN_ACCEPTED})`);
    logger.info({ secret: secretArn }, 'webhook token read from Secrets Manager');
    return { value, ttlMs: Infinity };
  };
  // Every caller of one failed read gets the same rejection: it is logged once.
  let logged: unknown;
  const token: WebhookToken = () =>
    tokens.get('token', load).catch((error: unknown) => {
      if (error !== logged) {
        logged = error;
        logger.error({ secret: secretArn, error: reason(error) }, 'webhook token not read from Secrets Manager: /mutate and /healthz answer 503 until a later request reads it');
      }
      throw new TokenNotLoadedError(error);
    });
  // The read starts with the cold start; the first request waits for it, or starts another.
  token().catch(() => undefined);
  return token;
}

function defaultReader(env: Record<string, string | undefined>): ReadSecret {
  const credentials = credentialsFrom(env);
  return (secretArn, signal) => getSecretString({ secretArn, credentials, env, signal });
}

function reason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer within its time budget';
  return error instanceof Error ? error.message : String(error);
}

// Registry failures in plain words: messages go straight into kubectl warnings, so they name the
// registry and what it said, and never carry a credential.

export type RegistryErrorKind =
  | 'not-found'
  | 'unauthorized'
  | 'forbidden'
  | 'timeout'
  | 'network'
  | 'server'
  | 'rate-limited'
  | 'invalid-manifest'
  | 'too-large'
  | 'refused'
  | 'tls';

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly registry: string;
  readonly status?: number;
  constructor(kind: RegistryErrorKind, registry: string, message: string, status?: number) {
    super(message);
    this.name = 'RegistryError';
    this.kind = kind;
    this.registry = registry;
    if (status !== undefined) this.status = status;
  }
}

/** The kind of error an HTTP status stands for, when it is a failure. */
export function kindForStatus(status: number): RegistryErrorKind {
  if (status === 404) return 'not-found';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'invalid-manifest';
}

/**
 * `registry ghcr.io answered 404: manifest unknown`: the registry's own error message when its
 * body is the distribution error JSON, else the status text. Bounded in length.
 */
export function statusError(registry: string, status: number, body: Uint8Array | undefined): RegistryError {
  const detail = registryErrorMessage(body) ?? DEFAULT_DETAIL[status] ?? 'unexpected answer';
  return new RegistryError(kindForStatus(status), registry, `registry ${registry} answered ${status}: ${detail}`, status);
}

const DEFAULT_DETAIL: Record<number, string> = {
  401: 'authentication required',
  403: 'access denied',
  404: 'not found',
  429: 'too many requests',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

function registryErrorMessage(body: Uint8Array | undefined): string | undefined {
  if (!body || body.length === 0 || body.length > 64 * 1024) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { errors?: Array<{ message?: unknown; code?: unknown }> };
    const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
    const text = typeof first?.message === 'string' && first.message ? first.message : typeof first?.code === 'string' ? first.code : undefined;
    if (!text) return undefined;
    // Printable characters only, bounded, so the warning stays one readable line.
    const clean = text.replace(/[^\x20-\x7e]/g, ' ').trim();
    return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
  } catch {
    return undefined;
  }
}

// Registry failures in plain words: messages go straight into kubectl warnings, logs and negative
// cache entries. A registry is hostile input and may echo the credentials it was sent, so no text
// it sends (error messages, bodies, header values, realm URLs) is ever copied into a message: only
// its HTTP status and, when it is one the distribution spec defines, its error code, in our words.

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
  | 'tls'
  | 'budget';

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

/** `registry ghcr.io answered 404: manifest unknown`. */
export function statusError(registry: string, status: number, body: Uint8Array | undefined): RegistryError {
  return new RegistryError(kindForStatus(status), registry, `registry ${registry} answered ${status}: ${describeAnswer(status, body)}`, status);
}

/** The words for a failed answer: its known error code's, else its status's. Never the registry's own text. */
export function describeAnswer(status: number, body: Uint8Array | undefined): string {
  const code = knownErrorCode(body);
  return (code && CODE_WORDS[code]) ?? STATUS_WORDS[status] ?? 'unexpected answer';
}

export function timeoutError(registry: string): RegistryError {
  return new RegistryError('timeout', registry, `registry ${registry} did not answer within the time budget`);
}

export function budgetError(registry: string): RegistryError {
  return new RegistryError('budget', registry, `too many registry requests for this pod (limit reached for ${registry})`);
}

export function tooLargeError(registry: string, what: string, limit: number): RegistryError {
  return new RegistryError('too-large', registry, `the ${what} from ${registry} is larger than the ${limit}-byte limit`);
}

// The distribution spec's error codes (plus distribution's UNAVAILABLE), in plain words.
const CODE_WORDS: Readonly<Record<string, string>> = {
  BLOB_UNKNOWN: 'blob unknown',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown',
  DIGEST_INVALID: 'digest invalid',
  MANIFEST_BLOB_UNKNOWN: 'manifest references an unknown blob',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown',
  MANIFEST_UNVERIFIED: 'manifest unverified',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository unknown',
  SIZE_INVALID: 'size invalid',
  TAG_INVALID: 'tag invalid',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'access denied',
  UNSUPPORTED: 'operation unsupported',
  TOOMANYREQUESTS: 'too many requests',
  PAGINATION_NUMBER_INVALID: 'invalid page size',
  RANGE_INVALID: 'invalid range',
  UNKNOWN: 'unknown error',
  UNAVAILABLE: 'service unavailable',
};

const STATUS_WORDS: Readonly<Record<number, string>> = {
  400: 'bad request',
  401: 'authentication required',
  403: 'access denied',
  404: 'not found',
  405: 'method not allowed',
  429: 'too many requests',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

const MAX_ERROR_BODY = 64 * 1024;

/** The first `errors[].code` of a distribution error body that is a code we know. */
function knownErrorCode(body: Uint8Array | undefined): string | undefined {
  if (!body || body.length === 0 || body.length > MAX_ERROR_BODY) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
  const errors = typeof parsed === 'object' && parsed !== null ? (parsed as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(errors)) return undefined;
  for (const entry of errors.slice(0, 16)) {
    const code = typeof entry === 'object' && entry !== null ? (entry as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && Object.hasOwn(CODE_WORDS, code)) return code;
  }
  return undefined;
}

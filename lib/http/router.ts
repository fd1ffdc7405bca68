// HTTP routing for the webhook, independent of Lambda: POST /mutate[/<token>] and GET /healthz.
// Malformed requests get a 4xx with a reason; everything past the envelope fails open.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.ts';
import { BadReviewError, buildResponse, parseReview, wrapResponse, type AdmissionResponse, type ParsedReview } from '../admission/review.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface Health {
  ok: boolean;
  [detail: string]: unknown;
}

export interface RouterOptions {
  /**
   * When it gives a token, only /mutate/<token> (and /healthz/<token>) are served. A function may
   * still be reading it (Secrets Manager at cold start): when that fails, both answer 503.
   */
  token?: string | (() => Promise<string | undefined>);
  /** Absent when the configuration is invalid: admissions are then allowed unchanged, with a warning. */
  admit?: (review: ParsedReview, log: Logger) => Promise<AdmissionResponse>;
  health: () => Promise<Health>;
}

export function createRouter(options: RouterOptions): (request: HttpRequest, log: Logger) => Promise<HttpResponse> {
  const { token } = options;
  const tokenOf = typeof token === 'function' ? token : () => Promise.resolve(token);

  return async function route(request, log) {
    const [, first, second, ...rest] = normalisePath(request.path).split('/');
    if (rest.length > 0 || (first !== 'mutate' && first !== 'healthz')) return error(404, 'not found');
    let expectedToken: Buffer | undefined;
    try {
      const current = await tokenOf();
      expectedToken = current ? digest(current) : undefined;
    } catch {
      // Never served without the token it should have: the API server's failurePolicy applies.
      return error(503, 'token not loaded: this webhook cannot check its token path yet; see its logs');
    }
    if (expectedToken) {
      if (second === undefined) return error(401, `this webhook requires its token path: /${first}/<token>`);
      if (!timingSafeEqual(digest(second), expectedToken)) return error(401, 'invalid token');
    } else if (second !== undefined) {
      return error(404, 'not found');
    }

    if (first === 'healthz') {
      if (request.method !== 'GET') return error(405, 'use GET /healthz', { allow: 'GET' });
      const health = await options.health();
      return json(health.ok ? 200 : 503, health);
    }
    if (request.method !== 'POST') return error(405, 'use POST /mutate with an AdmissionReview', { allow: 'POST' });
    return mutate(request, log);
  };

  async function mutate(request: HttpRequest, log: Logger): Promise<HttpResponse> {
    const contentType = header(request, 'content-type');
    if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType.trim())) {
      return error(400, `Content-Type must be application/json, got ${JSON.stringify(contentType.slice(0, 100))}`);
    }
    const raw = request.body ?? '';
    // A plain body is parsed as it came: no round trip through a Buffer just to count its bytes.
    const decoded = request.isBase64Encoded ? Buffer.from(raw, 'base64') : undefined;
    const size = decoded ? decoded.length : Buffer.byteLength(raw, 'utf8');
    if (size > MAX_BODY_BYTES) return error(413, `body is ${size} bytes; the limit is ${MAX_BODY_BYTES}`);
    if (size === 0) return error(400, 'body is empty; send an AdmissionReview');

    let parsed: unknown;
    try {
      parsed = JSON.parse(decoded ? decoded.toString('utf8') : raw);
    } catch (cause) {
      return error(400, `body is not valid JSON: ${(cause as Error).message}`);
    }
    let review: ParsedReview;
    try {
      review = parseReview(parsed);
    } catch (cause) {
      if (cause instanceof BadReviewError) return error(cause.status, cause.message);
      throw cause;
    }
    const requestLog = log.child({ uid: review.request.uid });
    const response = options.admit
      ? await options.admit(review, requestLog)
      : buildResponse(review.request.uid, undefined, ['archy is misconfigured (see its logs); the pod was admitted unchanged']);
    return json(200, wrapResponse(review.version, response));
  }
}

/**
 * `//mutate//<token>/` is `/mutate/<token>`: a base URL ending in `/` joined with `/healthz/…` is an
 * easy mistake, and empty segments name nothing. Only separators change, never a token character.
 */
function normalisePath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/\/$/, '') || '/';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function header(request: HttpRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function error(statusCode: number, message: string, headers: Record<string, string> = {}): HttpResponse {
  return json(statusCode, { error: message }, headers);
}

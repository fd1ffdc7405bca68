// AWS Signature Version 4 for the few JSON-protocol calls Archy makes (DynamoDB, Secrets Manager):
// node:crypto only, so a cold start loads no signer package. Header signing of a request with a
// body; query-string presigning (the EKS token) stays with @smithy/signature-v4.
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentials } from './credentials.ts';

export interface SignableRequest {
  method: string;
  /** The URL as sent: host (and port), path and query are signed. */
  url: URL;
  /** Lowercase names. `host`, `x-amz-date` and `x-amz-security-token` are added. */
  headers: Record<string, string>;
  body: string;
}

export interface SigningScope {
  region: string;
  service: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** The request's headers plus `host`, `x-amz-date`, the session token and `authorization`. */
export function signRequest(request: SignableRequest, scope: SigningScope, credentials: AwsCredentials, now: Date = new Date()): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, host: request.url.host, 'x-amz-date': amzDate };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;

  const names = Object.keys(headers).map((name) => name.toLowerCase()).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]?.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.url.pathname),
    canonicalQuery(request.url.searchParams),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, scope)).update(stringToSign).digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

// The key changes once a day per secret, region and service: derived once, not per request.
let cachedKey: { secret: string; scope: string; key: Buffer } | undefined;

function signingKey(secret: string, day: string, scope: SigningScope): Buffer {
  const id = `${day}/${scope.region}/${scope.service}`;
  if (cachedKey?.secret === secret && cachedKey.scope === id) return cachedKey.key;
  const dated = hmac(`AWS4${secret}`, day);
  const key = hmac(hmac(hmac(dated, scope.region), scope.service), 'aws4_request');
  cachedKey = { secret, scope: id, key };
  return key;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every service but S3 signs each path segment encoded twice (the URL holds it encoded once). */
function canonicalPath(pathname: string): string {
  if (pathname === '' || pathname === '/') return '/';
  return pathname
    .split('/')
    .map((segment) => uriEncode(uriEncode(safeDecode(segment))))
    .join('/');
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? compare(x, y) : compare(a, b)))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RFC 3986: everything but unreserved characters, percent-encoded in upper case. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

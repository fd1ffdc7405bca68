// What the test registry saw: one entry per request, with who it came from (never the secret).

export interface RecordedRequest {
  /** `registry` = through the recording proxy; `token` = the token service. */
  server: 'registry' | 'token';
  method: string;
  /** Path and query, e.g. `/v2/app/manifests/1.0`. */
  path: string;
  status: number;
  authorization: 'none' | 'basic' | 'bearer' | 'other';
  /** Basic: the user name; Bearer: the token's subject (`anonymous` for anonymous tokens). */
  identity?: string;
}

/** Describes an Authorization header without keeping its secret. */
export function describeAuthorization(header: string | undefined): Pick<RecordedRequest, 'authorization' | 'identity'> {
  if (!header) return { authorization: 'none' };
  const [scheme = '', value = ''] = header.split(' ', 2);
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return { authorization: 'basic', identity: decoded.slice(0, Math.max(0, decoded.indexOf(':'))) };
  }
  if (scheme.toLowerCase() === 'bearer') {
    try {
      const payload = JSON.parse(Buffer.from(value.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
      return { authorization: 'bearer', identity: typeof payload.sub === 'string' ? payload.sub || 'anonymous' : 'unknown' };
    } catch {
      return { authorization: 'bearer', identity: 'unknown' };
    }
  }
  return { authorization: 'other' };
}

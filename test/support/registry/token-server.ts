// A Docker token service (token spec) on loopback, issuing ES256 JWTs that docker-registry trusts
// through `kid` = the libtrust key ID of the root certificate's public key. One token grants every
// scope asked for (the `scope` parameter repeats; space-separated in the POST form), as Docker Hub's
// does; `scopesPerToken: 'first'` makes it a service that grants only the first one.
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { describeAuthorization, type RecordedRequest } from './recording.ts';

export const TOKEN_SERVICE = 'archy-test-registry';
export const TOKEN_ISSUER = 'archy-test-issuer';

export interface TokenServer {
  realm: string;
  host: string;
  rootCertificatePem: string;
  /** A token for `subject` with `actions` on `repository` (for the harness's own pushes). */
  issue(subject: string, access: Access[]): string;
  close(): Promise<void>;
}

export interface Access {
  type: 'repository';
  name: string;
  actions: string[];
}

export interface TokenPolicy {
  users: Record<string, string>;
  /** Identity (refresh) tokens accepted by POST, mapped to their user. */
  identityTokens: Record<string, string>;
  /** Users that may push (the harness itself). */
  pushers: string[];
  /** Repositories anonymous users may NOT pull. */
  isPrivate(repository: string): boolean;
  /** `all` (default): one token grants every scope asked for; `first`: only the first. */
  scopesPerToken?: 'all' | 'first';
}

export async function startTokenServer(policy: TokenPolicy, requests: RecordedRequest[]): Promise<TokenServer> {
  const pems = await generate([{ name: 'commonName', value: 'archy-test-token-issuer' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
  });
  const privateKey = createPrivateKey(pems.private);
  const kid = libtrustKeyId(createPublicKey(privateKey));

  const issue = (subject: string, access: Access[]): string => signJwt(privateKey, kid, subject, access);

  const server = http.createServer((req, res) => {
    void handle(req).then(({ status, body }) => {
      requests.push({ server: 'token', method: req.method ?? '', path: req.url ?? '', status, ...describeAuthorization(req.headers.authorization) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });

  async function handle(req: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    let scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readAll(req));
      if (form.get('grant_type') !== 'refresh_token') return { status: 400, body: { error: 'unsupported_grant_type' } };
      user = policy.identityTokens[form.get('refresh_token') ?? ''];
      if (!user) return { status: 401, body: { error: 'invalid_grant' } };
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    } else {
      const header = req.headers.authorization;
      if (header) {
        const decoded = Buffer.from(header.replace(/^Basic /i, ''), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const name = decoded.slice(0, colon);
        if (colon < 0 || policy.users[name] === undefined || policy.users[name] !== decoded.slice(colon + 1)) {
          return { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] } };
        }
        user = name;
      }
    }
    const access: Access[] = [];
    for (const scope of policy.scopesPerToken === 'first' ? scopes.slice(0, 1) : scopes) {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository' || !name || !actions) continue;
      const granted = actions.split(',').filter((action) => {
        if (action === 'pull') return user !== undefined || !policy.isPrivate(name);
        if (action === 'push') return user !== undefined && policy.pushers.includes(user);
        return false;
      });
      if (granted.length > 0) access.push({ type: 'repository', name, actions: granted });
    }
    const token = issue(user ?? '', access);
    return { status: 200, body: { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() } };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    realm: `http://${host}/token`,
    host,
    rootCertificatePem: pems.cert,
    issue,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signJwt(key: KeyObject, kid: string, subject: string, access: Access[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', kid };
  const claims = { iss: TOKEN_ISSUER, sub: subject, aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** libtrust KeyID: base32 of the first 240 bits of sha256(SPKI DER), in 12 groups of 4. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const encoded = base32(hash);
  return encoded.match(/.{4}/g)?.join(':') ?? encoded;
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

async function readAll(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

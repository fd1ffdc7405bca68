// Registries that echo what they were sent: the Basic header, the decoded user:password, the bearer
// token, in JSON error messages, plain bodies and header values (challenge realms, redirect
// locations). None of it may reach an error message (hence a warning or a negative cache entry) or
// a log line: messages carry the status and known error codes in our words only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Deadline } from '../../lib/deadline.ts';
import { parseReference } from '../../lib/image/reference.ts';
import { createLogger } from '../../lib/log.ts';
import { RegistryClient, RegistryError } from '../../lib/registry/client.ts';
import { NodeTransport, type ResolveHost } from '../../lib/registry/transport.ts';
import type { RegistryCredential } from '../../lib/types.ts';
import { LogCapture } from '../reliability/support/review.ts';
import { startHostileServer, type Answer, type HostileServer, type SeenRequest } from '../support/registry/hostile-server.ts';

const USER = 'alice';
const PASSWORD = 'echo-pw-z9q4-never-shown';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const TOKEN = 'echo-token-T7v2-never-shown';
const alice: RegistryCredential = { kind: 'basic', username: USER, password: PASSWORD, identity: 'id-alice' };
const FORBIDDEN = [PASSWORD, BASIC, TOKEN, `${USER}:${PASSWORD}`];

const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const CONFIG = JSON.stringify({ architecture: 'arm64', os: 'linux' });
const SINGLE = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(CONFIG), size: CONFIG.length },
  layers: [],
});

/** Everything the registry was sent, as it could echo it. */
function echo(request: SeenRequest): string {
  const auth = request.authorization ?? '';
  const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
  return `${auth} ${decoded}`;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Repositories and how the registry (and its token service, at /token) misbehaves for each. */
function hostileRegistry(host: () => string) {
  const basicChallenge: Answer = { status: 401, headers: { 'www-authenticate': 'Basic realm="echo"' } };
  const bearerChallenge = (): Answer => ({ status: 401, headers: { 'www-authenticate': `Bearer realm="http://${host()}/token",service="echo"` } });
  return (request: SeenRequest): Answer => {
    const said = echo(request);
    if (request.path.startsWith('/token')) {
      if (request.path.includes('token-json')) return json(401, { errors: [{ code: 'UNAUTHORIZED', message: `invalid credentials ${said}`, detail: said }] }, { 'www-authenticate': `Basic realm="${said}"` });
      if (request.path.includes('token-plain')) return { status: 401, headers: { 'content-type': 'text/plain', 'x-echo': said }, body: `no: ${said}` };
      return json(200, { token: TOKEN, expires_in: 300 });
    }
    const repository = request.path.split('/')[2] ?? '';
    if (repository.startsWith('token-') || repository === 'bearer-echo') {
      if (!request.authorization?.startsWith('Bearer ')) return bearerChallenge();
      return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: `unknown to ${said}` }] }, { 'x-echo': said });
    }
    if (!request.authorization) return basicChallenge;
    switch (repository) {
      case 'denied-json':
        return json(403, { errors: [{ code: 'DENIED', message: `${said} may not pull`, detail: { authorization: said } }] }, { 'x-echo': said });
      case 'missing-plain':
        return { status: 404, headers: { 'content-type': 'text/plain', 'x-echo': said }, body: `no manifest for ${said}` };
      case 'unknown-code':
        return json(404, { errors: [{ code: `CODE_${PASSWORD}`, message: said }] });
      case 'realm-echo':
        // Answers the credential with a challenge whose realm and service carry it.
        return { status: 401, headers: { 'www-authenticate': `Bearer realm="http://${PASSWORD}.archy-test.invalid/token?c=${BASIC}",service="${said}"` } };
      case 'redirect-echo':
        if (request.path.includes('/manifests/')) return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: SINGLE };
        return { status: 307, headers: { location: `http://${PASSWORD}.archy-test.invalid/blob?auth=${BASIC}` } };
      default:
        return { status: 500 };
    }
  };
}

describe('a registry that echoes credentials', () => {
  let registry: HostileServer;
  let transport: NodeTransport;
  const logs = new LogCapture();
  const looked: string[] = [];
  // Names are never resolved here: anything but loopback is recorded and refused.
  const lookup: ResolveHost = async (hostname) => {
    looked.push(hostname);
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };

  before(async () => {
    let host = '';
    registry = await startHostileServer(hostileRegistry(() => host));
    host = registry.host;
    transport = new NodeTransport({ insecureRegistries: [registry.host], privateRegistries: [], lookup });
  });
  after(async () => {
    transport.close();
    await registry.close();
  });

  /** A fresh client each time: what one case taught it about the registry does not carry over. */
  async function failureFor(repository: string): Promise<RegistryError> {
    const client = new RegistryClient({ insecureRegistries: [registry.host], privateRegistries: [], transport, logger: createLogger('trace', logs) });
    const deadline = new Deadline(5000);
    const error = await client.resolve(parseReference(`${registry.host}/${repository}:1`), { deadline, credentials: [alice] }).then(
      () => assert.fail('expected a RegistryError'),
      (e: unknown) => e,
    );
    deadline.dispose();
    assert.ok(error instanceof RegistryError, String(error));
    for (const secret of FORBIDDEN) assert.ok(!error.message.includes(secret), `${repository}: the message repeats a secret: ${error.message}`);
    return error;
  }

  const cases: Array<[string, string, string]> = [
    ['denied-json', 'forbidden', 'registry HOST answered 403: access denied'],
    ['missing-plain', 'not-found', 'registry HOST answered 404: not found'],
    ['unknown-code', 'not-found', 'registry HOST answered 404: not found'],
    ['token-json', 'unauthorized', 'the token service of registry HOST answered 401: authentication required'],
    ['token-plain', 'unauthorized', 'the token service of registry HOST answered 401: authentication required'],
    ['bearer-echo', 'not-found', 'registry HOST answered 404: manifest unknown'],
    ['realm-echo', 'refused', 'refusing plain HTTP to a host named by registry HOST: list it in ARCHY_INSECURE_REGISTRIES to allow it'],
    ['redirect-echo', 'refused', 'refusing plain HTTP to a host named by registry HOST: list it in ARCHY_INSECURE_REGISTRIES to allow it'],
  ];
  for (const [repository, kind, message] of cases) {
    test(`${repository}: ${kind}, in our words`, async () => {
      const error = await failureFor(repository);
      assert.equal(error.kind, kind);
      assert.equal(error.message, message.replace('HOST', registry.host));
    });
  }

  test('the echoing registry was indeed sent the credential and the token, and asked for the redirected blob', () => {
    assert.ok(registry.requests.some((r) => r.authorization === `Basic ${BASIC}`));
    assert.ok(registry.requests.some((r) => r.authorization === `Bearer ${TOKEN}`));
    assert.ok(registry.requests.some((r) => r.path.startsWith('/v2/redirect-echo/blobs/')));
  });

  test('no name a registry sent was looked up', () => {
    assert.deepEqual(looked, []);
  });

  test('no secret in the log lines (trace level)', () => {
    assert.ok(logs.lines.length > cases.length, 'the lookups were logged');
    for (const secret of FORBIDDEN) assert.ok(!logs.text.includes(secret), `the logs contain ${secret.slice(0, 8)}…`);
  });
});

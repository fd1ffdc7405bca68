// Secrets stay secret: every value that passes through the webhook (the webhook token, pull-secret
// passwords and auth strings, identity tokens, ECR passwords, registry bearer tokens) never shows
// in the logs (captured at trace level), in the answers, or in the DynamoDB cache items. And a
// credential only ever goes to the registry host it is for.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createApp, type App } from '../../lib/app.ts';
import { NodeTransport, type Transport, type TransportRequest, type TransportResponse } from '../../lib/registry/transport.ts';
import { decodePatch, type ReviewAnswer } from '../support/admission.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb.ts';
import { startEcrFake, type EcrFake } from '../support/ecr-fake.ts';
import { basicAuth, startKubeFake, type KubeFake } from '../support/kube-fake.ts';
import { startRegistry, type TestRegistry } from '../support/registry/harness.ts';
import { isolateFromKubeconfig, LogCapture, podWith, reviewBody } from '../reliability/support/review.ts';
import { answerIndex, startHttpServer, startTlsFront, type LoopbackServer } from '../reliability/support/servers.ts';

const WEBHOOK_TOKEN = 'sec-webhook-token-7f3a9c1e5b2d';
const ALICE_PASSWORD = 'alice-pw-Q8z1-never-logged';
const BOB_PASSWORD = 'bob-pw-W4k7-never-logged';
const CAROL_IDENTITY_TOKEN = 'carol-refresh-R2d9-never-logged';
const WRONG_PASSWORD = 'wrong-pw-X5m3-never-logged';
const ECR_PASSWORD = 'ecr-pw-E6n2-never-logged';
const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const TABLE = 'archy-security';
// A registry that echoes what it is sent (the Basic header, the decoded user:password) in its
// error JSON, its body and its headers: a hostile registry must not put dave's password anywhere.
const DAVE_PASSWORD = 'dave-pw-D8s5-never-logged';
// A JSON Web Token (header.claims.signature): the registry's bearer tokens look like this.
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;

/** Every form a secret could leak in: plain, and inside the base64 of a Basic header or docker auth field. */
function secretForms(): string[] {
  const forms = [WEBHOOK_TOKEN, ALICE_PASSWORD, BOB_PASSWORD, CAROL_IDENTITY_TOKEN, WRONG_PASSWORD, ECR_PASSWORD, DAVE_PASSWORD];
  for (const [user, password] of [['alice', ALICE_PASSWORD], ['bob', BOB_PASSWORD], ['alice', WRONG_PASSWORD], ['AWS', ECR_PASSWORD], ['dave', DAVE_PASSWORD]] as const) {
    forms.push(basicAuth(user, password), Buffer.from(password).toString('base64'));
  }
  return forms;
}

function assertNoSecret(where: string, text: string): void {
  for (const secret of secretForms()) assert.ok(!text.includes(secret), `${where} contains a secret (${secret.slice(0, 6)}…)`);
  assert.doesNotMatch(text, JWT, `${where} contains a bearer token`);
}

/** ECR is not reachable here: its registry API is answered in memory, recording who got which Authorization. */
class EcrRegistryTransport implements Transport {
  readonly authorizations: Array<{ host: string; authorization?: string }> = [];
  readonly #inner: Transport;
  constructor(inner: Transport) {
    this.#inner = inner;
  }
  async request(request: TransportRequest): Promise<TransportResponse> {
    this.authorizations.push({ host: request.url.host, authorization: request.headers.authorization });
    if (request.url.hostname !== ECR_HOST) return this.#inner.request(request);
    const ok = request.headers.authorization === `Basic ${basicAuth('AWS', ECR_PASSWORD)}`;
    const body = ok ? Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'3'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: 'arm64' } }] })) : Buffer.alloc(0);
    return {
      status: ok ? 200 : 401,
      headers: ok ? { 'content-type': 'application/vnd.oci.image.index.v1+json' } : { 'www-authenticate': 'Basic realm="ecr"' },
      body: (async function* () {
        yield body;
      })(),
      cancel: () => undefined,
    };
  }
}

describe('secrets and credential scope', () => {
  let dynamo: DynamoDbLocal;
  let kube: KubeFake;
  let front: Awaited<ReturnType<typeof startTlsFront>>;
  let basic: TestRegistry;
  let token: TestRegistry;
  let plain: LoopbackServer;
  let echo: LoopbackServer;
  let ecr: EcrFake;
  let transport: EcrRegistryTransport;
  let nodeTransport: NodeTransport;
  let app: App;
  const plainAuthorizations: Array<string | undefined> = [];
  const logs = new LogCapture();
  const answers: string[] = [];

  before(async () => {
    isolateFromKubeconfig();
    [dynamo, kube, basic, token, ecr] = await Promise.all([
      startDynamoDbLocal(),
      startKubeFake(),
      startRegistry({ auth: 'basic', users: { alice: ALICE_PASSWORD } }),
      startRegistry({ auth: 'token', users: { bob: BOB_PASSWORD }, identityTokens: { [CAROL_IDENTITY_TOKEN]: 'carol' } }),
      startEcrFake({ password: ECR_PASSWORD }),
    ]);
    plain = await startHttpServer((req, res) => {
      plainAuthorizations.push(req.headers.authorization);
      answerIndex(res);
    });
    echo = await startHttpServer((req, res) => {
      const said = `${req.headers.authorization ?? ''} ${Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8')}`;
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="echo"' });
        res.end();
        return;
      }
      res.writeHead(403, { 'content-type': 'application/json', 'x-echo': said, 'www-authenticate': `Basic realm="${said}"` });
      res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: `denied: ${said}`, detail: said }] }));
    });
    front = await startTlsFront(kube.url);
    await dynamo.createTable(TABLE);
    await basic.pushIndex('team/app', '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
    await token.pushImage('private/tool', '2', { os: 'linux', architecture: 'arm64' });

    kube.setPullSecret('shop', 'alice-cred', { [`http://${basic.host}`]: { auth: basicAuth('alice', ALICE_PASSWORD) } });
    kube.setPullSecret('shop', 'bob-cred', { [token.host]: { username: 'bob', password: BOB_PASSWORD } });
    kube.setPullSecret('shop', 'carol-cred', { [token.host]: { identitytoken: CAROL_IDENTITY_TOKEN } });
    kube.setPullSecret('shop', 'wrong-cred', { [basic.host]: { username: 'alice', password: WRONG_PASSWORD } });
    kube.setPullSecret('shop', 'dave-cred', { [echo.host]: { username: 'dave', password: DAVE_PASSWORD } });

    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_ECR: ecr.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const insecure = [basic.host, token.host, token.tokenHost ?? '', plain.host, echo.host];
    nodeTransport = new NodeTransport({ insecureRegistries: insecure, privateRegistries: [] });
    transport = new EcrRegistryTransport(nodeTransport);
    app = createApp({
      env: {
        ARCHY_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        ARCHY_LOG_LEVEL: 'trace',
        ARCHY_TIME_BUDGET_MS: '5000',
        ARCHY_CACHE_TABLE: TABLE,
        ARCHY_INSECURE_REGISTRIES: insecure.join(','),
        ARCHY_KUBE_API_URL: front.url,
        ARCHY_KUBE_CA_DATA: front.caData,
      },
      logDestination: logs,
      registryTransport: transport,
    });
  });

  after(async () => {
    nodeTransport?.close();
    await Promise.all([dynamo?.stop(), kube?.close(), front?.close(), basic?.stop(), token?.stop(), plain?.close(), echo?.close(), ecr?.close()]);
  });

  async function admitIn(uid: string, images: string[], secrets: string[]): Promise<ReviewAnswer> {
    const body = reviewBody(uid, podWith(images, { namespace: 'shop', imagePullSecrets: secrets }));
    const response = await app.handle({ method: 'POST', path: `/mutate/${WEBHOOK_TOKEN}`, headers: { 'content-type': 'application/json' }, body });
    answers.push(response.body);
    assert.equal(response.statusCode, 200, response.body);
    const answer = JSON.parse(response.body) as ReviewAnswer;
    answers.push(JSON.stringify(decodePatch(answer)));
    return answer;
  }

  function architectures(answer: ReviewAnswer): string | undefined {
    const op = decodePatch(answer).find((o) => o.path === '/metadata/annotations/archy.io~1architectures' || o.path === '/metadata/annotations');
    if (op === undefined || !('value' in op)) return undefined;
    return typeof op.value === 'string' ? op.value : (op.value as Record<string, string>)['archy.io/architectures'];
  }

  test('each credential is used where it belongs and works', async () => {
    // alice (Basic) + bob (token) in one pod; plus an image on a third host that no secret names.
    const both = await admitIn('uid-both', [`${basic.host}/team/app:1`, `${token.host}/private/tool:2`, `${plain.host}/free/app:1`], ['alice-cred', 'bob-cred']);
    assert.equal(architectures(both), 'arm64');
    const carol = await admitIn('uid-carol', [`${token.host}/private/tool:2`], ['carol-cred']);
    assert.equal(architectures(carol), 'arm64');
    const wrong = await admitIn('uid-wrong', [`${basic.host}/team/app:1`], ['wrong-cred']);
    assert.ok((wrong.response.warnings ?? []).some((w) => w.includes(`${basic.host}/team/app:1`)), 'the refused image is named');
    const echoed = await admitIn('uid-echo', [`${echo.host}/team/app:1`], ['dave-cred']);
    assert.ok(
      (echoed.response.warnings ?? []).some((w) => w.includes(`registry ${echo.host} answered 403: access denied`)),
      `the echoing registry's refusal is in our words: ${JSON.stringify(echoed.response.warnings)}`,
    );
    const viaEcr = await admitIn('uid-ecr', [`${ECR_HOST}/team/app:3`], []);
    assert.equal(architectures(viaEcr), 'arm64');
    assert.ok(ecr.calls.length >= 1, 'the ECR password came from GetAuthorizationToken');
    assert.ok(token.requests.some((r) => r.server === 'token' && r.method === 'POST' && r.status === 200), 'the identity token was exchanged');
    assert.ok(token.requests.some((r) => r.server === 'registry' && r.identity === 'carol' && r.status === 200), 'carol\'s token opened the repository');
  });

  test('credentials never reach another host', () => {
    const basicIdentities = new Set(basic.requests.map((r) => r.identity).filter(Boolean));
    const tokenIdentities = new Set(token.requests.map((r) => r.identity).filter(Boolean));
    assert.ok(basicIdentities.has('alice'));
    assert.ok(!basicIdentities.has('bob') && !basicIdentities.has('carol') && !basicIdentities.has('AWS'), `basic registry saw ${[...basicIdentities]}`);
    assert.ok(tokenIdentities.has('bob') && tokenIdentities.has('carol'));
    assert.ok(!tokenIdentities.has('alice') && !tokenIdentities.has('AWS'), `token registry saw ${[...tokenIdentities]}`);
    assert.ok(plainAuthorizations.length >= 1, 'the third registry was asked');
    assert.deepEqual(plainAuthorizations.filter(Boolean), [], 'the registry no secret names got no Authorization');
    const ecrBasic = `Basic ${basicAuth('AWS', ECR_PASSWORD)}`;
    for (const { host, authorization } of transport.authorizations) {
      if (authorization === ecrBasic) assert.equal(host, ECR_HOST, 'the ECR password went elsewhere');
      if (host === ECR_HOST) assert.ok(authorization === undefined || authorization === ecrBasic, 'another credential went to ECR');
    }
  });

  test('no secret in the captured logs (trace level)', () => {
    assert.ok(logs.lines.length > 10, 'the logs were captured');
    assert.ok(logs.text.includes('uid-both'), 'the admissions were logged');
    assertNoSecret('the logs', logs.text);
  });

  test('no secret in any answer (body and decoded patch)', () => {
    assert.ok(answers.length >= 8);
    assertNoSecret('an answer', answers.join('\n'));
  });

  test('no secret in the DynamoDB cache items', async () => {
    const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
    assert.ok(Items.length >= 4, `${Items.length} items cached`);
    const text = JSON.stringify(Items);
    assert.ok(text.includes('private/tool'), 'the private image was cached');
    assertNoSecret('the cache', text);
  });
});

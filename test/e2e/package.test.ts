// `sls package` offline (fake credentials, a region), then assertions on the CloudFormation
// template it produces: what the stack will really create. And the packaged bundle itself, run as
// Lambda runs it, against fakes of EKS and of the cluster's API server on 127.0.0.1.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseOptions } from '../../infra/options.ts';
import { webhookTimeoutSeconds } from '../../infra/render.ts';
import { loadConfig } from '../../lib/config.ts';
import { selfSignedCertificate } from '../../lib/local/certificate.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';
import { startEcrFake } from '../support/ecr-fake.ts';
import { startEksFake } from '../support/eks-fake.ts';
import { basicAuth, startKubeFake } from '../support/kube-fake.ts';
import { functionUrlEvent } from '../support/make-events.ts';
import { invokePackagedHandler } from '../support/packaged-handler.ts';
import { startHostileServer, type Answer } from '../support/registry/hostile-server.ts';
import { podAdmissionReview } from '../support/review.ts';
import { unzip } from '../support/unzip.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The access key of the packaged function's role, as Lambda puts it in the environment. */
const LAMBDA_ACCESS_KEY_ID = 'AKIDEXAMPLE';
const SLS = join(ROOT, 'node_modules/osls/bin/serverless.js');

type Json = Record<string, unknown>;
interface Template {
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Json }>;
  Outputs: Record<string, { Value: unknown; Condition?: string }>;
}
interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/**
 * `sls package` into `directory`, offline: fake credentials, so it can never deploy anything, and no
 * AWS variable of the caller's shell (region, profile) but those in `env`.
 */
function runPackage(directory: string, args: string[], env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1' }): Promise<{ stdout: string; stderr: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return promisify(execFile)(process.execPath, [SLS, 'package', '--package', directory, ...args], {
    cwd: ROOT,
    timeout: 90_000,
    env: {
      ...inherited,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      ...env,
    },
  });
}

/** The region `sls` packaged for, as it would deploy: the provider region it saved with the package. */
function packagedRegion(directory: string): string {
  const state = JSON.parse(readFileSync(join(directory, 'serverless-state.json'), 'utf8')) as { service: { provider: { region: string } } };
  return state.service.provider.region;
}

async function slsPackage(directory: string, params: string[]): Promise<Template> {
  await runPackage(directory, ['--region', 'eu-west-1', '--stage', 'test', ...params.map((p) => `--param=${p}`)]);
  return JSON.parse(readFileSync(join(directory, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

/** Evaluates the Fn::Not / Fn::Equals / Fn::And / Fn::Or conditions of a packaged template. */
function condition(template: Template, name: string): boolean {
  const evaluate = (node: unknown): boolean | unknown => {
    const object = node as Json;
    if (object && typeof object === 'object' && 'Fn::Not' in object) return !evaluate((object['Fn::Not'] as unknown[])[0]);
    if (object && typeof object === 'object' && 'Fn::Equals' in object) {
      const [a, b] = object['Fn::Equals'] as unknown[];
      return JSON.stringify(a) === JSON.stringify(b);
    }
    if (object && typeof object === 'object' && 'Condition' in object) return condition(template, object.Condition as string);
    throw new Error(`unsupported condition ${JSON.stringify(node)}`);
  };
  return evaluate(template.Conditions[name]) as boolean;
}

/** Resolves Fn::If against the template's conditions and drops AWS::NoValue, as CloudFormation does. */
function resolveIfs(template: Template, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveIfs(template, item)).filter((item) => item !== NO_VALUE);
  if (node && typeof node === 'object') {
    const object = node as Json;
    if ('Fn::If' in object) {
      const [name, yes, no] = object['Fn::If'] as [string, unknown, unknown];
      return resolveIfs(template, condition(template, name) ? yes : no);
    }
    if (object.Ref === 'AWS::NoValue') return NO_VALUE;
    const result: Json = {};
    for (const [key, value] of Object.entries(object)) {
      const resolved = resolveIfs(template, value);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }
  return node;
}
const NO_VALUE = Symbol('AWS::NoValue');

const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: INDEX_TYPE,
  manifests: ['amd64', 'arm64'].map((architecture, index) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${String(index + 1).repeat(64)}`,
    size: 512,
    platform: { os: 'linux', architecture },
  })),
});
const digestOf = (body: string): string => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/**
 * What an EKS bearer token says (`aws eks get-token`'s format: `k8s-aws-v1.` + the base64url of a
 * presigned STS GetCallerIdentity URL), without its secret parts: the signature is only checked to
 * be there, the access key only compared.
 */
function describeEksToken(token: string, accessKeyId: string): Record<string, unknown> {
  const prefix = 'k8s-aws-v1.';
  if (!token.startsWith(prefix)) return { prefix: 'missing' };
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8'));
  } catch {
    return { prefix, url: 'not a URL' };
  }
  const query = url.searchParams;
  const credential = (query.get('X-Amz-Credential') ?? '').split('/');
  return {
    prefix,
    url: `${url.origin}${url.pathname}`,
    action: query.get('Action'),
    version: query.get('Version'),
    algorithm: query.get('X-Amz-Algorithm'),
    scope: credential.slice(2).join('/'),
    signedWithTheFunctionsKey: credential[0] === accessKeyId,
    signedHeaders: query.get('X-Amz-SignedHeaders'),
    signature: /^[0-9a-f]{64}$/.test(query.get('X-Amz-Signature') ?? ''),
    expiresSeconds: query.get('X-Amz-Expires'),
  };
}

/** The resources CloudFormation would create: conditions applied. */
function created(template: Template): Record<string, { Type: string; Properties: Json }> {
  const result: Record<string, { Type: string; Properties: Json }> = {};
  for (const [name, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !condition(template, resource.Condition)) continue;
    result[name] = resolveIfs(template, resource) as { Type: string; Properties: Json };
  }
  return result;
}

function statements(template: Template): Statement[] {
  const roles = Object.values(created(template)).filter((resource) => resource.Type === 'AWS::IAM::Role');
  assert.equal(roles.length, 1, 'one role: the function role');
  const policies = (roles[0]?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

describe('sls package', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'archy-package-'));
  let plain: Template;
  let withCluster: Template;
  let httpApi: Template;

  before(async () => {
    // Sequential: serverless-esbuild shares a work folder in the project.
    plain = await slsPackage(join(work, 'plain'), []);
    withCluster = await slsPackage(join(work, 'cluster'), ['cluster=demo', 'mode=audit', 'auditNamespaces=team-a,team-b']);
    httpApi = await slsPackage(join(work, 'httpapi'), ['endpoint=httpapi']);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const fn = (template: Template): Json => created(template).WebhookLambdaFunction?.Properties ?? {};
  const env = (template: Template): Record<string, unknown> => (fn(template).Environment as { Variables: Record<string, unknown> }).Variables;

  /**
   * The unpacked function, run once with `env`, admits `pod` placed on amd64 and arm64 (its one
   * image's platforms) without a warning, and nothing in it tried to leave the machine.
   */
  async function admitsPlaced(unpacked: string, env: NodeJS.ProcessEnv, pod: Record<string, unknown>, uid: string): Promise<void> {
    const event = functionUrlEvent(JSON.stringify(podAdmissionReview(uid, pod, { name: 'app' })));
    const { result, output } = await invokePackagedHandler(join(unpacked, 'functions/webhook.js'), event, env, 30_000);
    assert.equal(result.statusCode, 200, output);
    const answer = JSON.parse(result.body ?? '{}') as ReviewAnswer;
    assert.equal(answer.response.uid, uid);
    assert.equal(answer.response.allowed, true);
    assert.deepEqual(answer.response.warnings ?? [], [], output);
    const annotations = (applyAnswer(pod, answer) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
    assert.equal(annotations['archy.io/architectures'], 'amd64,arm64', output);
    assert.doesNotMatch(output, /loopback-only test guard/, 'nothing tried to leave the machine');
  }

  /**
   * A packaged function's environment as Lambda gives it: the template's variables (its Refs left
   * out: no token secret; no DynamoDB table here), the role's keys, the runtime's own variables, no
   * AWS config files, and every test process's guard. `extra` comes last.
   */
  function lambdaEnvironment(template: Template, packaged: string, unpacked: string, extra: NodeJS.ProcessEnv, preloads: string[] = []): NodeJS.ProcessEnv {
    const deployed = Object.fromEntries(Object.entries(env(template)).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const region = packagedRegion(packaged);
    const imports = ['test/support/loopback-only.ts', ...preloads].map((file) => `--import=${pathToFileURL(join(ROOT, file)).href}`);
    return {
      ...deployed,
      // The guard of every test process: a connection outside 127.0.0.0/8 is refused and reported.
      NODE_OPTIONS: [deployed.NODE_OPTIONS ?? '', ...imports].join(' '),
      ARCHY_CACHE_TABLE: '',
      // A busy 2-core test machine is slower than a 1,024 MB function: a budget that cannot run out.
      ARCHY_TIME_BUDGET_MS: '20000',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LAMBDA_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: 'not-a-secret',
      AWS_SESSION_TOKEN: 'not-a-session-token',
      AWS_LAMBDA_FUNCTION_NAME: 'archy-test-webhook',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: unpacked,
      TZ: ':UTC',
      AWS_CONFIG_FILE: join(work, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
      ...extra,
    };
  }

  test('Node 24 on arm64 with 1024 MB and the webhook handler', () => {
    const properties = fn(plain);
    assert.equal(properties.Runtime, 'nodejs24.x');
    assert.deepEqual(properties.Architectures, ['arm64']);
    assert.equal(properties.MemorySize, 1024);
    assert.equal(properties.Handler, 'functions/webhook.handler');
    const zip = statSync(join(work, 'plain', 'archy.zip')).size;
    assert.ok(zip > 10_000 && zip < 50 * 1024 * 1024, `bundle zip is ${zip} bytes`);
  });

  test('budget < function timeout < the webhook timeoutSeconds registration writes', () => {
    const timeout = fn(plain).Timeout as number;
    const budgetMs = Number(env(plain).ARCHY_TIME_BUDGET_MS);
    assert.ok(budgetMs / 1000 < timeout, `budget ${budgetMs} ms vs timeout ${timeout} s`);
    assert.ok(timeout < webhookTimeoutSeconds(budgetMs), 'the default webhook timeout is above the function timeout');
    const gitops = parse(readFileSync(join(ROOT, 'infra/kubernetes/webhook.yaml'), 'utf8')) as { webhooks: { timeoutSeconds: number }[] };
    assert.ok(timeout < (gitops.webhooks[0]?.timeoutSeconds ?? 0), 'so is the GitOps manifest');
  });

  test('the cache table: pk hash key, on demand, TTL on expiresAt, named in the environment', () => {
    const table = created(plain).PlatformCacheTable;
    assert.equal(table?.Type, 'AWS::DynamoDB::Table');
    assert.equal(table?.Properties.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table?.Properties.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
    assert.deepEqual(table?.Properties.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
    assert.equal(env(plain).ARCHY_CACHE_TABLE, 'archy-test-platform-cache');
    assert.equal((created(plain).PlatformCacheTable?.Properties as { TableName?: string }).TableName, 'archy-test-platform-cache');
  });

  test('IAM without a cluster: logs, ECR token and reads, the token secret, the one table; "*" only for the ECR token', () => {
    assert.deepEqual(statements(plain), [
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['WebhookLogGroup', 'Arn'] } },
      { Sid: 'EcrToken', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'EcrRead',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: { 'Fn::Split': [',', { 'Fn::Sub': 'arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*' }] },
      },
      { Sid: 'WebhookToken', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'WebhookTokenSecret' } },
      {
        Sid: 'CacheTable',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DescribeTable'],
        Resource: { 'Fn::GetAtt': ['PlatformCacheTable', 'Arn'] },
      },
    ]);
    const policies = Object.values(created(plain)).filter((resource) => resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy');
    assert.deepEqual(policies, [], 'no other policy grants the function anything');
  });

  test('audit mode and audit namespaces are deploy parameters: enforce everywhere unless given', () => {
    assert.equal(env(plain).ARCHY_MODE, 'enforce');
    assert.equal(env(plain).ARCHY_AUDIT_NAMESPACES, '');
    assert.equal(env(withCluster).ARCHY_MODE, 'audit');
    assert.equal(env(withCluster).ARCHY_AUDIT_NAMESPACES, 'team-a,team-b');
    for (const template of [plain, withCluster]) {
      const variables = Object.fromEntries(Object.entries(env(template)).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      assert.doesNotThrow(() => loadConfig(variables), 'the packaged environment is a valid configuration');
    }
  });

  test('IAM with a cluster adds eks:DescribeCluster on that cluster only', () => {
    const eks = statements(withCluster).filter((statement) => statement.Sid === 'EksCluster');
    assert.deepEqual(eks, [
      { Sid: 'EksCluster', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/demo' } },
    ]);
    assert.equal(statements(withCluster).length, 6);
    assert.equal(env(withCluster).ARCHY_EKS_CLUSTER, 'demo');
  });

  test('an EKS access entry in group archy:webhook when a cluster is given, none otherwise', () => {
    assert.equal(created(plain).ArchyAccessEntry, undefined);
    const entry = created(withCluster).ArchyAccessEntry;
    assert.equal(entry?.Type, 'AWS::EKS::AccessEntry');
    assert.deepEqual(entry?.Properties, {
      ClusterName: 'demo',
      PrincipalArn: { 'Fn::GetAtt': ['ArchyFunctionRole', 'Arn'] },
      KubernetesGroups: ['archy:webhook'],
      Type: 'STANDARD',
    });
    assert.deepEqual(fn(plain).Role, { 'Fn::GetAtt': ['ArchyFunctionRole', 'Arn'] }, 'the function runs as that role');
  });

  test('a public Function URL; the URL output has no token, the function reads it from a generated secret', () => {
    const url = created(plain).WebhookLambdaFunctionUrl;
    assert.equal(url?.Properties.AuthType, 'NONE');
    assert.deepEqual(plain.Outputs.WebhookUrl?.Value, { 'Fn::GetAtt': ['WebhookLambdaFunctionUrl', 'FunctionUrl'] });
    assert.deepEqual(plain.Outputs.WebhookTokenSecretArn?.Value, { Ref: 'WebhookTokenSecret' });
    const secret = created(plain).WebhookTokenSecret;
    assert.equal(secret?.Properties.SecretString, undefined);
    assert.deepEqual(secret?.Properties.GenerateSecretString, { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false });
    // The secret's ARN: the token is in neither the template nor the function's configuration.
    assert.deepEqual(env(plain).ARCHY_WEBHOOK_TOKEN_SECRET_ARN, { Ref: 'WebhookTokenSecret' });
    assert.equal(env(plain).ARCHY_WEBHOOK_TOKEN, undefined);
    assert.doesNotMatch(JSON.stringify(plain), /resolve:secretsmanager/, 'no dynamic reference puts the token into the configuration');
    assert.equal((secret?.Properties as { Name?: string }).Name, undefined, 'a generated name: remove + deploy works at once');
    assert.equal(withCluster.Outputs.ClusterName?.Value, 'demo', 'registration checks the stack serves its cluster');
  });

  test('endpoint=httpapi: a route for every path the router serves, the health check included', () => {
    const resources = created(httpApi);
    const routes = Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route');
    assert.deepEqual(routes.map((route) => route.Properties.RouteKey).sort(), ['GET /healthz', 'GET /healthz/{token}', 'POST /mutate', 'POST /mutate/{token}']);
    const integrations = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Integration');
    assert.equal(integrations.length, 1);
    const [integration, properties] = integrations[0] ?? [];
    assert.deepEqual(properties?.Properties.IntegrationUri, { 'Fn::GetAtt': ['WebhookLambdaFunction', 'Arn'] });
    assert.equal(properties?.Properties.PayloadFormatVersion, '2.0', 'the event shape lib/http/lambda.ts reads');
    for (const route of routes) assert.deepEqual(route.Properties.Target, { 'Fn::Join': ['/', ['integrations', { Ref: integration }]] });
    assert.equal(resources.WebhookLambdaFunctionUrl, undefined, 'no Function URL beside the HTTP API');
    assert.match(JSON.stringify(httpApi.Outputs.WebhookUrl?.Value), /execute-api.*\/"\}$/, 'the base URL ends in / like the Function URL');
  });

  test('the local stage (plain-HTTP localhost registries, no cache table) is refused, naming the reason', async () => {
    const directory = join(work, 'local');
    await assert.rejects(runPackage(directory, ['--stage', 'local']), (error: { stdout: string; stderr: string }) => {
      assert.match(`${error.stderr}${error.stdout}`, /package refused: the "local" stage is for "sls invoke local" only: it reaches registries on localhost over plain HTTP/);
      return true;
    });
    assert.ok(!existsSync(join(directory, 'cloudformation-template-update-stack.json')), 'nothing was packaged');
  });

  test('the region: sls package (so deploy) and register pick the same one from the same shell', async () => {
    const shells: Array<[string, NodeJS.ProcessEnv, string]> = [
      ['AWS_DEFAULT_REGION only', { AWS_DEFAULT_REGION: 'eu-central-1' }, 'eu-central-1'],
      ['AWS_REGION empty, AWS_DEFAULT_REGION set', { AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-south-1' }, 'ap-south-1'],
    ];
    for (const [name, env, expected] of shells) {
      const directory = join(work, `region-${expected}`);
      await runPackage(directory, ['--stage', 'test'], env);
      assert.equal(packagedRegion(directory), expected, `sls, ${name}`);
      assert.equal(parseOptions(['--cluster', 'demo', '--stage', 'test'], env).region, expected, `register, ${name}`);
    }
  });

  test('the packaged bundle reaches its EKS cluster: DescribeCluster, then a pull secret read with an EKS token it signed', async () => {
    // The zip as Lambda unpacks it, run in a fresh Node process with the function's environment
    // from the template. EKS, the cluster's API server (HTTPS, its CA handed out by DescribeCluster)
    // and the registry are fakes on 127.0.0.1; no STS call is needed: the token is presigned locally.
    const packaged = join(work, 'cluster');
    const unpacked = join(work, 'cluster-unzipped');
    await unzip(join(packaged, 'archy.zip'), unpacked);
    const region = packagedRegion(packaged);
    const accessKeyId = LAMBDA_ACCESS_KEY_ID;

    const { cert, key } = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
    const kube = await startKubeFake({ tls: { cert, key }, keepBearerTokens: true });
    const eks = await startEksFake({ demo: { endpoint: kube.url, caPem: cert } });
    // A registry that serves its one multi-arch image only with the pull secret's credentials.
    const credentials = `Basic ${basicAuth('robot', 'pull-pw-7Qx')}`;
    const registry = await startHostileServer((request): Answer => {
      if (request.authorization !== credentials) return { status: 401, headers: { 'www-authenticate': 'Basic realm="e2e"' } };
      if (!/^\/v2\/team\/app\/manifests\/1\.0$/.test(request.path)) return { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' };
      return { status: 200, headers: { 'content-type': INDEX_TYPE, 'docker-content-digest': digestOf(INDEX) }, body: INDEX };
    });
    try {
      kube.setPullSecret('default', 'regcred', { [registry.host]: { auth: basicAuth('robot', 'pull-pw-7Qx') } });
      const lambdaEnv = lambdaEnvironment(withCluster, packaged, unpacked, {
        ARCHY_INSECURE_REGISTRIES: registry.host,
        AWS_ENDPOINT_URL_EKS: eks.url,
      });
      assert.equal(lambdaEnv.ARCHY_EKS_CLUSTER, 'demo');
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'app', namespace: 'default' },
        spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${registry.host}/team/app:1.0` }] },
      };
      // What the user sees: the pod admitted, placed from its image read with the pull secret.
      await admitsPlaced(unpacked, lambdaEnv, pod, '0d7e4c1a-5b2f-4e8a-9c3d-00000000e2e5');

      // One DescribeCluster of the packaged cluster, signed for its region.
      assert.deepEqual(eks.calls, [{ method: 'GET', path: '/clusters/demo', cluster: 'demo', region, accessKeyId }]);
      // The secret read over HTTPS (the CA from DescribeCluster), with an EKS token.
      const secretReads = kube.requests.filter((request) => request.path === '/api/v1/namespaces/default/secrets/regcred');
      assert.deepEqual(secretReads.map(({ method, authScheme }) => ({ method, authScheme })), [{ method: 'GET', authScheme: 'Bearer' }]);
      // Every token the API server was shown is a presigned STS GetCallerIdentity for this cluster.
      // Described, never printed: a failure shows what was wrong, not the token.
      assert.ok(kube.bearerTokens.length >= 1);
      for (const token of kube.bearerTokens) {
        assert.deepEqual(describeEksToken(token, accessKeyId), {
          prefix: 'k8s-aws-v1.',
          url: `https://sts.${region}.amazonaws.com/`,
          action: 'GetCallerIdentity',
          version: '2011-06-15',
          algorithm: 'AWS4-HMAC-SHA256',
          scope: `${region}/sts/aws4_request`,
          signedWithTheFunctionsKey: true,
          signedHeaders: 'host;x-k8s-aws-id',
          signature: true,
          expiresSeconds: '60',
        });
      }
    } finally {
      await Promise.all([kube.close(), eks.close(), registry.close()]);
    }
  });

  test('the packaged bundle reads a private ECR image with the token GetAuthorizationToken gives its role', async () => {
    // The zip run as Lambda runs it; ECR's API and the registry are fakes on 127.0.0.1. The image
    // keeps its ECR name (that name is what makes Archy ask ECR): test/support/connect-to.ts sends
    // that one name to the fake registry. No pull secret: only IAM can open it.
    const packaged = join(work, 'plain');
    const unpacked = join(work, 'plain-unzipped');
    await unzip(join(packaged, 'archy.zip'), unpacked);
    const region = packagedRegion(packaged);
    const account = '123456789012';
    const ecrHost = `${account}.dkr.ecr.${region}.amazonaws.com`;
    const password = 'ecr-issued-pw-9Kd';
    const ecr = await startEcrFake({ password, expiresInSeconds: 3600 });
    const credentials = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
    const registry = await startHostileServer((request): Answer => {
      if (request.authorization !== credentials) return { status: 401, headers: { 'www-authenticate': `Basic realm="${ecrHost}"` } };
      if (!/^\/v2\/team\/app\/manifests\/1\.0$/.test(request.path)) return { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' };
      return { status: 200, headers: { 'content-type': INDEX_TYPE, 'docker-content-digest': digestOf(INDEX) }, body: INDEX };
    });
    try {
      const lambdaEnv = lambdaEnvironment(
        plain,
        packaged,
        unpacked,
        { ARCHY_INSECURE_REGISTRIES: ecrHost, AWS_ENDPOINT_URL_ECR: ecr.url, TEST_CONNECT_TO: `${ecrHost}=${registry.host}` },
        ['test/support/connect-to.ts'],
      );
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'default' }, spec: { containers: [{ name: 'app', image: `${ecrHost}/team/app:1.0` }] } };
      await admitsPlaced(unpacked, lambdaEnv, pod, '0d7e4c1a-5b2f-4e8a-9c3d-00000000ec2e');
      // One token for the image's account, asked in its region with the role's key.
      assert.deepEqual(ecr.calls, [{ target: 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken', registryIds: [account], region, accessKeyId: LAMBDA_ACCESS_KEY_ID }]);
      // The manifest was read with that token (after the registry's challenge), never with anything else.
      const shown = registry.requests.map((request) => (request.authorization === undefined ? 'none' : request.authorization === credentials ? 'the ECR token' : 'something else'));
      assert.ok(shown.includes('the ECR token') && !shown.includes('something else'), shown.join(', '));
    } finally {
      await Promise.all([ecr.close(), registry.close()]);
    }
  });

  test('log retention and alarms on errors, throttles and p99 duration below the budget', () => {
    assert.equal(created(plain).WebhookLogGroup?.Properties.RetentionInDays, 30);
    const alarms = Object.values(created(plain)).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const byMetric = Object.fromEntries(alarms.map((alarm) => [alarm.Properties.MetricName, alarm.Properties]));
    assert.deepEqual(Object.keys(byMetric).sort(), ['Duration', 'Errors', 'Throttles']);
    for (const alarm of alarms) assert.deepEqual(alarm.Properties.Dimensions, [{ Name: 'FunctionName', Value: { Ref: 'WebhookLambdaFunction' } }]);
    assert.equal(byMetric.Duration?.ExtendedStatistic, 'p99');
    const threshold = byMetric.Duration?.Threshold as number;
    assert.ok(threshold < Number(env(plain).ARCHY_TIME_BUDGET_MS) && threshold > 0, `p99 threshold ${threshold}`);
  });
});

// Secrets Manager GetSecretValue as one SigV4-signed AWS JSON 1.1 request over fetch: a few lines
// instead of an SDK client and its middleware stack on the cold-start path. The endpoint follows
// the SDK's overrides (AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL).
import type { AwsCredentialProvider } from './credentials.ts';

export interface GetSecretRequest {
  secretArn: string;
  credentials: AwsCredentialProvider;
  /** Where the endpoint overrides are read from. */
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

/** A refusal or an unusable answer. The message never holds the secret or the answer's text. */
export class SecretsManagerError extends Error {
  readonly status: number;
  readonly type?: string;
  constructor(status: number, type: string | undefined, message: string) {
    super(message);
    this.name = 'SecretsManagerError';
    this.status = status;
    this.type = type;
  }
}

const ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;

export async function getSecretString(request: GetSecretRequest): Promise<string> {
  const [, partition = 'aws', region = ''] = ARN.exec(request.secretArn) ?? [];
  if (!region) throw new SecretsManagerError(0, undefined, `not a Secrets Manager secret ARN: ${request.secretArn}`);
  const endpoint = new URL(endpointFor(region, partition, request.env));
  // Loaded on first use, like the EKS token's signer: only functions with a secret pay for it.
  const [{ SignatureV4 }, { Hash }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]);
  const signer = new SignatureV4({ credentials: request.credentials, region, service: 'secretsmanager', sha256: Hash.bind(null, 'sha256') });
  const body = JSON.stringify({ SecretId: request.secretArn });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: endpoint.pathname,
    query: {},
    headers: { host: endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
  });
  const response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body, signal: request.signal });
  const payload = (await response.json().catch(() => undefined)) as { SecretString?: unknown; __type?: unknown } | undefined;
  if (!response.ok) {
    const type = errorType(response.headers.get('x-amzn-errortype') ?? payload?.__type);
    throw new SecretsManagerError(response.status, type, `Secrets Manager answered ${response.status}${type ? ` ${type}` : ''}`);
  }
  if (typeof payload?.SecretString !== 'string') {
    throw new SecretsManagerError(response.status, undefined, 'Secrets Manager answered without a SecretString');
  }
  return payload.SecretString;
}

function endpointFor(region: string, partition: string, env: Record<string, string | undefined>): string {
  const override = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
  if (override) return override;
  return `https://secretsmanager.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}/`;
}

/** `com.amazonaws…#AccessDeniedException:http://…` → `AccessDeniedException`; anything odd → undefined. */
function errorType(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const type = raw.split(':')[0]?.split('#').pop() ?? '';
  return /^[A-Za-z]{1,64}$/.test(type) ? type : undefined;
}

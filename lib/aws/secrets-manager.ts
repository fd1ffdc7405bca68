// Secrets Manager GetSecretValue as one SigV4-signed AWS JSON 1.1 request (lib/aws/json-request.ts):
// a few lines instead of an SDK client and its middleware stack on the cold-start path. The
// endpoint follows the SDK's overrides (AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL).
import type { AwsCredentialProvider } from './credentials.ts';
import { awsJsonRequest, errorTypeOf } from './json-request.ts';

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

/** A secret is at most 64 KiB; its answer adds a little metadata. */
const MAX_ANSWER_BYTES = 256 * 1024;
const ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;

export async function getSecretString(request: GetSecretRequest): Promise<string> {
  const [, partition = 'aws', region = ''] = ARN.exec(request.secretArn) ?? [];
  if (!region) throw new SecretsManagerError(0, undefined, `not a Secrets Manager secret ARN: ${request.secretArn}`);
  const answer = await awsJsonRequest({
    endpoint: new URL(endpointFor(region, partition, request.env)),
    scope: { region, service: 'secretsmanager' },
    target: 'secretsmanager.GetSecretValue',
    contentType: 'application/x-amz-json-1.1',
    body: { SecretId: request.secretArn },
    credentials: request.credentials,
    signal: request.signal,
    connectTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    maxResponseBytes: MAX_ANSWER_BYTES,
  });
  const payload = answer.payload as { SecretString?: unknown } | undefined;
  if (answer.status !== 200) {
    const type = errorTypeOf(answer);
    throw new SecretsManagerError(answer.status, type, `Secrets Manager answered ${answer.status}${type ? ` ${type}` : ''}`);
  }
  if (typeof payload?.SecretString !== 'string') {
    throw new SecretsManagerError(answer.status, undefined, 'Secrets Manager answered without a SecretString');
  }
  return payload.SecretString;
}

function endpointFor(region: string, partition: string, env: Record<string, string | undefined>): string {
  const override = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
  if (override) return override;
  return `https://secretsmanager.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}/`;
}

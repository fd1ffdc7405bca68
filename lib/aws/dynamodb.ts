// The DynamoDB client of the cache: BatchGetItem, BatchWriteItem and DescribeTable as signed AWS
// JSON 1.0 requests. It replaces the SDK's client (and its smithy core), which was most of what a
// cold start imported (docs/BENCHMARKS.md). Same settings as the SDK client it replaces: the
// standard endpoint overrides, a 500 ms connect and 2 s request timeout, two attempts (throttling,
// 5xx, network errors and timeouts are tried once more after a jittered pause), response checksums.
import http from 'node:http';
import https from 'node:https';
import { crc32 } from './crc32.ts';
import { sleep } from '../deadline.ts';
import { credentialsFrom, type AwsCredentialProvider } from './credentials.ts';
import type {
  BatchGetItemInput,
  BatchGetItemOutput,
  BatchWriteItemInput,
  BatchWriteItemOutput,
  DescribeTableInput,
  DescribeTableOutput,
  DynamoDbApi,
} from './dynamodb-types.ts';
import { awsJsonRequest, AwsTimeoutError, errorTypeOf, type AwsJsonAnswer } from './json-request.ts';

export interface DynamoDbClientOptions {
  /** Region, endpoint overrides and credentials are read from here (default: process.env). */
  env?: Record<string, string | undefined>;
  endpoint?: string;
  region?: string;
  credentials?: AwsCredentialProvider;
  maxAttempts?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  random?: () => number;
}

/** DynamoDB's answer to a call it refused: `name` is the error type (ResourceNotFoundException…). */
export class DynamoDbError extends Error {
  readonly status: number;
  constructor(status: number, type: string | undefined, message: string | undefined) {
    super(`DynamoDB answered ${status}${type ? ` ${type}` : ''}${message ? `: ${message.slice(0, 300)}` : ''}`);
    this.name = type ?? 'DynamoDbError';
    this.status = status;
  }
}

const VERSION = 'DynamoDB_20120810';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** BatchGetItem answers up to 16 MB. */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;
const RETRY_BASE_MS = 100;
const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottledException']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDbApi {
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = region === undefined && options.endpoint === undefined ? undefined : new URL(options.endpoint ?? endpointFor(region ?? '', env));
  const credentials = options.credentials ?? credentialsFrom(env);
  const agent = endpoint?.protocol === 'http:' ? new http.Agent({ keepAlive: true, maxSockets: 64 }) : new https.Agent({ keepAlive: true, maxSockets: 64 });
  const maxAttempts = Math.max(1, options.maxAttempts ?? 2);
  const random = options.random ?? Math.random;

  async function call<T>(operation: string, input: unknown, signal: AbortSignal | undefined): Promise<T> {
    if (endpoint === undefined || region === undefined) throw Object.assign(new Error('no AWS region: set AWS_REGION'), { name: 'ConfigError' });
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await awsJsonRequest({
          endpoint,
          scope: { region, service: 'dynamodb' },
          target: `${VERSION}.${operation}`,
          contentType: CONTENT_TYPE,
          body: input,
          credentials,
          signal,
          agent,
          connectTimeoutMs: options.connectTimeoutMs ?? 500,
          requestTimeoutMs: options.requestTimeoutMs ?? 2000,
          maxResponseBytes: MAX_RESPONSE_BYTES,
        });
        return outputOf<T>(answer);
      } catch (error) {
        if (attempt >= maxAttempts || signal?.aborted || !retryable(error)) throw error;
        await sleep(random() * RETRY_BASE_MS * 2 ** (attempt - 1), signal);
      }
    }
  }

  return {
    batchGetItem: (input: BatchGetItemInput, signal?: AbortSignal) => call<BatchGetItemOutput>('BatchGetItem', input, signal),
    batchWriteItem: (input: BatchWriteItemInput, signal?: AbortSignal) => call<BatchWriteItemOutput>('BatchWriteItem', input, signal),
    describeTable: (input: DescribeTableInput, signal?: AbortSignal) => call<DescribeTableOutput>('DescribeTable', input, signal),
  };
}

/** The SDK's rule: AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then the regional endpoint. */
export function endpointFor(region: string, env: Record<string, string | undefined>): string {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true') {
    const override = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL;
    if (override) return override;
  }
  const fips = env.AWS_USE_FIPS_ENDPOINT === 'true' ? '-fips' : '';
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://dynamodb${fips}.${region}.${suffix}/`;
}

function outputOf<T>(answer: AwsJsonAnswer): T {
  if (answer.status !== 200) {
    const message = (answer.payload as { message?: unknown; Message?: unknown } | undefined);
    const text = typeof message?.message === 'string' ? message.message : typeof message?.Message === 'string' ? message.Message : undefined;
    throw new DynamoDbError(answer.status, errorTypeOf(answer), text);
  }
  const expected = answer.headers['x-amz-crc32'];
  if (typeof expected === 'string' && crc32(answer.raw) !== Number(expected)) {
    throw Object.assign(new Error('the answer does not match its x-amz-crc32 checksum'), { name: 'ChecksumError' });
  }
  if (answer.payload === undefined || typeof answer.payload !== 'object') {
    throw Object.assign(new Error('DynamoDB answered without a JSON object'), { name: 'SerializationError' });
  }
  return answer.payload as T;
}

function retryable(error: unknown): boolean {
  if (error instanceof DynamoDbError) return error.status >= 500 || error.status === 429 || THROTTLING.has(error.name);
  if (error instanceof AwsTimeoutError) return true;
  if (error instanceof Error && error.name === 'ChecksumError') return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

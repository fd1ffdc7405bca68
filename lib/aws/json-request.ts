// One SigV4-signed POST of the AWS JSON protocol (1.0 for DynamoDB, 1.1 for Secrets Manager) over
// node:http(s), with a connect timeout, a whole-request timeout and a cap on the answer. No retry
// and no error mapping here: the service modules decide what an answer means.
import http from 'node:http';
import https from 'node:https';
import type { AwsCredentialProvider } from './credentials.ts';
import { signRequest, type SigningScope } from './sigv4.ts';

export interface AwsJsonRequest {
  endpoint: URL;
  scope: SigningScope;
  /** `x-amz-target`, e.g. `DynamoDB_20120810.BatchGetItem`. */
  target: string;
  /** `application/x-amz-json-1.0` or `-1.1`. */
  contentType: string;
  body: unknown;
  credentials: AwsCredentialProvider;
  signal?: AbortSignal;
  agent?: http.Agent;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxResponseBytes: number;
}

export interface AwsJsonAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The raw answer (for a checksum); `payload` is its JSON, undefined when it is not JSON. */
  raw: Buffer;
  payload: unknown;
}

/** A timeout of ours (connect or whole request): the name the callers classify by. */
export class AwsTimeoutError extends Error {
  constructor(what: string) {
    super(`${what} timed out`);
    this.name = 'TimeoutError';
  }
}

export async function awsJsonRequest(request: AwsJsonRequest): Promise<AwsJsonAnswer> {
  const body = JSON.stringify(request.body);
  const headers = signRequest(
    { method: 'POST', url: request.endpoint, headers: { 'content-type': request.contentType, 'x-amz-target': request.target }, body },
    request.scope,
    await request.credentials(),
  );
  headers['content-length'] = String(Buffer.byteLength(body));
  return send(request, headers, body);
}

function send(request: AwsJsonRequest, headers: Record<string, string>, body: string): Promise<AwsJsonAnswer> {
  const { endpoint } = request;
  const transport = endpoint.protocol === 'https:' ? https : http;
  return new Promise<AwsJsonAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, answer?: AwsJsonAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      if (error) {
        outgoing.destroy();
        reject(error);
      } else {
        resolve(answer as AwsJsonAnswer);
      }
    };
    const outgoing = transport.request(endpoint, { method: 'POST', headers, agent: request.agent, signal: request.signal }, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) finish(new Error(`the answer is over ${request.maxResponseBytes} bytes`));
        else chunks.push(chunk);
      });
      incoming.on('error', (error) => finish(error));
      incoming.on('end', () => {
        const raw = Buffer.concat(chunks);
        finish(undefined, { status: incoming.statusCode ?? 0, headers: incoming.headers, raw, payload: parseJson(raw) });
      });
    });
    const overall = setTimeout(() => finish(new AwsTimeoutError('the request')), request.requestTimeoutMs);
    outgoing.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connect = setTimeout(() => finish(new AwsTimeoutError('connecting')), request.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(connect));
      socket.once('close', () => clearTimeout(connect));
    });
    outgoing.on('error', (error) => finish(error));
    outgoing.end(body);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` (or the header's form) → `ResourceNotFoundException`. */
export function errorTypeOf(answer: AwsJsonAnswer): string | undefined {
  const header = answer.headers['x-amzn-errortype'];
  const fromBody = (answer.payload as { __type?: unknown } | undefined)?.__type;
  for (const raw of [Array.isArray(header) ? header[0] : header, fromBody]) {
    if (typeof raw !== 'string') continue;
    const type = raw.split(':')[0]?.split('#').pop() ?? '';
    if (/^[A-Za-z]{1,64}$/.test(type)) return type;
  }
  return undefined;
}

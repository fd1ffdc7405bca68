// The local HTTPS server: turns each HTTPS request into a Lambda Function URL event and hands it
// to the real Lambda handler, so a kind or dev cluster exercises exactly the deployed code.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import type { LambdaEvent, LambdaResult } from '../http/lambda.ts';
import { MAX_BODY_BYTES } from '../http/router.ts';

export type LambdaHandler = (event: LambdaEvent, context: Context) => Promise<LambdaResult>;

export interface LocalServerOptions {
  handler: LambdaHandler;
  port: number;
  /** The address to listen on; 127.0.0.1 (this machine only) when absent. */
  host?: string;
  cert: string;
  key: string;
}

export async function startLocalServer(options: LocalServerOptions): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  const server = createServer({ cert: options.cert, key: options.key }, (request, response) => {
    serve(options.handler, request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `local server: ${(error as Error).message}` }));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `https://localhost:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function serve(handler: LambdaHandler, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  if (body === undefined) {
    response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    response.end(JSON.stringify({ error: `body is over the limit of ${MAX_BODY_BYTES} bytes` }));
    return;
  }
  const requestId = randomUUID();
  const result = await handler(functionUrlEvent(request, body, requestId), localContext(requestId));
  response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string> | undefined);
  response.end(result.body ?? '');
}

/**
 * The request as a Function URL event (payload 2.0). As a Function URL does, a text body (JSON,
 * the AdmissionReview) is passed as it came and anything else base64-encoded.
 */
export function functionUrlEvent(request: IncomingMessage, body: Buffer, requestId: string, now: number = Date.now()): LambdaEvent {
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const headers = singleValued(request.headers);
  const text = isText(headers['content-type']);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: queryAt < 0 ? '' : target.slice(queryAt + 1),
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: request.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !text,
  } as LambdaEvent;
}

/** Node's headers, names in lower case; the few that may repeat (set-cookie) joined as a Function URL joins them. */
function singleValued(headers: IncomingMessage['headers']): Record<string, string> {
  for (const name in headers) {
    if (typeof headers[name] !== 'string') {
      const joined: Record<string, string> = {};
      for (const [key, value] of Object.entries(headers)) if (value !== undefined) joined[key] = Array.isArray(value) ? value.join(',') : value;
      return joined;
    }
  }
  return headers as Record<string, string>;
}

/** No content type (an empty body), JSON or text: what a Function URL passes without base64. */
function isText(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  return /^\s*(application\/([\w.+-]*\+)?json|text\/[\w.+-]+)\s*(;|$)/i.test(contentType);
}

/** Reads the body, or returns undefined (and stops reading) once it passes the size limit. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function localContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'archy-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:archy-local',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

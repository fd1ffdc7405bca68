// The seam between Lambda and the router: event translation and the middy middlewares.
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { App } from '../app.ts';
import type { Logger } from '../log.ts';
import type { HttpRequest } from './router.ts';

export type LambdaEvent = APIGatewayProxyEventV2;
export type LambdaResult = APIGatewayProxyStructuredResultV2;

/** Function URL and HTTP API (payload 2.0) events share this shape. */
export function toHttpRequest(event: LambdaEvent): HttpRequest {
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    headers: event.headers ?? {},
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
  };
}

/**
 * Last line of defence: an error that escaped everything else becomes a 500 with a generic
 * message (the API server then applies failurePolicy: Ignore). Details go to the log only.
 */
export function failSafe(logger: Logger): MiddlewareObj<LambdaEvent, LambdaResult, Error, Context> {
  return {
    onError: (request) => {
      logger.error({ err: request.error, requestId: request.context?.awsRequestId }, 'unhandled error in the webhook');
      request.response = {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'internal error; see the webhook logs' }),
      };
    },
  };
}

/** Runs `flush` after every invocation (metrics are emitted once per request). */
export function afterEach(flush: () => void): MiddlewareObj<LambdaEvent, LambdaResult, Error, Context> {
  const run = (): void => flush();
  return { after: run, onError: run };
}

/** The Lambda handler around an app: the same middleware stack in Lambda, locally and in tests. */
export function createLambdaHandler(app: App, flushMetrics: () => void = () => undefined) {
  return middy<LambdaEvent, LambdaResult, Error, Context>()
    .use(failSafe(app.logger))
    .use(afterEach(flushMetrics))
    .handler(async (event, context) => app.handle(toHttpRequest(event), context.awsRequestId));
}

// The seam between Lambda and the router: event translation, a last line of defence and the
// per-invocation metrics flush. Plain functions (not middy): this wrapper is on every request of
// the local server and every invocation, and needs nothing of a middleware engine.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { App } from '../app.ts';
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
 * The Lambda handler around an app: the same in Lambda, locally and in tests. An error that escaped
 * everything else becomes a 500 with a generic message (the API server then applies
 * failurePolicy: Ignore); details go to the log only. `flush` runs after every invocation, whatever
 * its outcome (metrics are emitted once per request).
 */
export function createLambdaHandler(app: App, flushMetrics: () => void = () => undefined): (event: LambdaEvent, context: Context) => Promise<LambdaResult> {
  return async (event, context) => {
    try {
      return await app.handle(toHttpRequest(event), context?.awsRequestId);
    } catch (error) {
      app.logger.error({ err: error, requestId: context?.awsRequestId }, 'unhandled error in the webhook');
      return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal error; see the webhook logs' }) };
    } finally {
      try {
        flushMetrics();
      } catch (error) {
        app.logger.error({ err: error }, 'could not write the metrics');
      }
    }
  };
}

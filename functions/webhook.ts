// Lambda entry point (Function URL or HTTP API payload 2.0). Everything is wired once per cold
// start in lib/app.ts; this file only adapts Lambda to it.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createApp } from '../lib/app.ts';
import { afterEach, failSafe, toHttpRequest, type LambdaEvent, type LambdaResult } from '../lib/http/lambda.ts';
import { createEmfMetrics } from '../lib/metrics/emf.ts';

const metrics = createEmfMetrics();
const app = createApp({ metrics });

export const handler = middy<LambdaEvent, LambdaResult, Error, Context>()
  .use(failSafe(app.logger))
  .use(afterEach(() => metrics.flush()))
  .handler(async (event, context) => app.handle(toHttpRequest(event), context.awsRequestId));

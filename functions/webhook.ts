// Lambda entry point (Function URL or HTTP API payload 2.0). Everything is wired once per cold
// start in lib/app.ts; this file only adapts Lambda to it.
import { createApp } from '../lib/app.ts';
import { createLambdaHandler } from '../lib/http/lambda.ts';
import { createEmfMetrics } from '../lib/metrics/emf.ts';

const metrics = createEmfMetrics();

export const handler = createLambdaHandler(createApp({ metrics }), () => metrics.flush());

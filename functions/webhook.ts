// Lambda entry point (Function URL or HTTP API payload 2.0). Everything is wired once per cold
// start in lib/app.ts; this file only adapts Lambda to it. Log lines and EMF metrics share one
// output (lib/log.ts, createOutputSink): in Lambda the metrics of an invocation are flushed and
// everything written once it has its answer (the process may be frozen after it); behind the local
// server, where many admissions run at once, once per turn of the event loop for all of them.
import { createApp } from '../lib/app.ts';
import { createLambdaHandler } from '../lib/http/lambda.ts';
import { createOutputSink } from '../lib/log.ts';
import { createEmfMetrics } from '../lib/metrics/emf.ts';

const inLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
const output = createOutputSink(inLambda ? 'invocation' : 'batched');
const metrics = createEmfMetrics({ write: output.write });

let metricsDue = false;
function flushMetrics(): void {
  if (inLambda) {
    metrics.flush();
    output.invocationDone();
  } else if (!metricsDue) {
    metricsDue = true;
    setImmediate(() => {
      metricsDue = false;
      metrics.flush();
    });
  }
}

export const handler = createLambdaHandler(createApp({ metrics, logDestination: output }), flushMetrics);

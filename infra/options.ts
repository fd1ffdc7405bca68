// Command-line options shared by infra/register.ts and infra/unregister.ts.
import { parseArgs } from 'node:util';
import { resolveRegion } from './region.ts';

export interface RegistrationOptions {
  cluster: string;
  stage: string;
  region: string;
  stackName: string;
  dryRun: boolean;
  /** Full webhook URL with the token path: skips reading the stack. */
  url?: string;
  context?: string;
  timeBudgetMs: number;
  /** Print the token in --dry-run output (it is masked otherwise). */
  revealToken: boolean;
}

export const USAGE = `usage: node infra/register.ts --cluster NAME [--stage S] [--region R] [--dry-run] [--reveal-token]
                                 [--url https://…/mutate/<token> [--time-budget-ms N]] [--context C] [--stack NAME]
       node infra/unregister.ts --cluster NAME [--context C] [--dry-run]`;

export function parseOptions(argv: string[], env: Record<string, string | undefined> = process.env): RegistrationOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      cluster: { type: 'string' },
      stage: { type: 'string', default: 'dev' },
      region: { type: 'string' },
      stack: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      url: { type: 'string' },
      context: { type: 'string' },
      'time-budget-ms': { type: 'string', default: '3000' },
      'reveal-token': { type: 'boolean', default: false },
    },
  });
  if (!values.cluster) throw new Error(`--cluster is required\n${USAGE}`);
  const timeBudgetMs = Number(values['time-budget-ms']);
  if (!Number.isInteger(timeBudgetMs) || timeBudgetMs < 100 || timeBudgetMs > 29_000) {
    throw new Error('--time-budget-ms: expected a whole number from 100 to 29000');
  }
  const stage = values.stage;
  return {
    cluster: values.cluster,
    stage,
    region: resolveRegion(values.region, env).region,
    stackName: values.stack ?? `archy-${stage}`,
    dryRun: values['dry-run'],
    url: values.url,
    context: values.context,
    timeBudgetMs,
    revealToken: values['reveal-token'],
  };
}

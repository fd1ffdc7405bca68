// A local osls plugin (serverless.yml `plugins`) for what serverless.yml variables cannot say:
// the region follows infra/region.ts exactly as register does, the `local` stage is for
// `sls invoke local` only, never packaged or deployed, and `sls invoke local` runs without the
// stack on every stage.
import { resolveRegion } from './region.ts';

type Environment = Record<string, unknown>;

/** The parts of osls's Serverless instance this plugin reads. */
export interface ServerlessLike {
  service: {
    provider: { stage?: string; region?: string; environment?: Environment };
    functions?: Record<string, { environment?: Environment } | undefined>;
  };
  processedInput: { commands: string[] };
  classes: { Error: new (message: string) => Error };
}

/** What osls hands a service plugin besides the instance and the options. */
export interface PluginUtils {
  log?: { notice(message: string): void };
}

export interface CliOptions {
  stage?: string;
  region?: string;
}

export const LOCAL_STAGE = 'local';
/** `deploy` covers its subcommands too (`deploy function`, `deploy list`). */
const REFUSED_ON_LOCAL = new Set(['deploy', 'package']);

export const LOCAL_STAGE_REFUSED =
  'the "local" stage is for "sls invoke local" only: it reaches registries on localhost over ' +
  'plain HTTP and has no cache table, so it must never be deployed. ' +
  'Deploy another stage, e.g. --stage prod';

export default class ArchyGuard {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: ServerlessLike, options: CliOptions, utils: PluginUtils = {}) {
    applyRegionRule(serverless, options, process.env);
    this.hooks = {
      initialize: () => {
        refuseLocalStage(serverless, options);
        const left = leaveOutStackValues(serverless);
        if (left.length > 0) utils.log?.notice(`invoke local: ${left.join(', ')} left out (set by CloudFormation in a deployed stack)`);
      },
    };
  }
}

/**
 * On `sls invoke local`, removes the environment values CloudFormation computes (`!Ref
 * WebhookTokenSecret`): osls would resolve a Ref by asking CloudFormation for the deployed stack's
 * resources, which fails offline or with no stack, and rejects any other intrinsic outright. The
 * webhook then runs without its token secret, and says so. Returns the names left out.
 */
export function leaveOutStackValues(serverless: ServerlessLike): string[] {
  if (serverless.processedInput.commands.join(' ') !== 'invoke local') return [];
  const { provider, functions = {} } = serverless.service;
  const environments = [provider.environment, ...Object.values(functions).map((fn) => fn?.environment)];
  const left: string[] = [];
  for (const environment of environments) {
    for (const [name, value] of Object.entries(environment ?? {})) {
      if (typeof value === 'object' && value !== null && environment) {
        delete environment[name];
        left.push(name);
      }
    }
  }
  return left;
}

/**
 * serverless.yml's `${opt:region, env:AWS_REGION, env:AWS_DEFAULT_REGION, 'us-east-1'}` stops at a
 * variable that is set but empty (and osls then uses us-east-1); register skips it. Setting the
 * provider's region from the shared rule makes both land on the same region in every case.
 */
export function applyRegionRule(serverless: ServerlessLike, options: CliOptions, env: Record<string, string | undefined>): void {
  serverless.service.provider.region = resolveRegion(options.region, env).region;
}

/** Throws osls's own error class, which it prints as a plain message without a stack trace. */
export function refuseLocalStage(serverless: ServerlessLike, options: CliOptions): void {
  const stage = options.stage ?? serverless.service.provider.stage;
  const command = serverless.processedInput.commands[0] ?? '';
  if (stage === LOCAL_STAGE && REFUSED_ON_LOCAL.has(command)) {
    throw new serverless.classes.Error(`${command} refused: ${LOCAL_STAGE_REFUSED}`);
  }
}

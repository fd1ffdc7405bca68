// The one region rule, for `sls` (serverless.yml + infra/serverless-guard.ts) and for register:
// a stack deployed to one region is always looked up in that same region.
//
// The AWS profile's region (~/.aws/config) is not read: serverless.yml variables cannot read it,
// so honouring it here alone would split the two again. Name the region instead.

export const DEFAULT_REGION = 'us-east-1';

export interface ResolvedRegion {
  region: string;
  /** Where it came from, for messages: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION` or `default`. */
  source: string;
}

/** The first non-empty of `--region`, AWS_REGION, AWS_DEFAULT_REGION; else us-east-1. */
export function resolveRegion(flag: string | undefined, env: Record<string, string | undefined>): ResolvedRegion {
  const candidates: Array<[string, string | undefined]> = [
    ['--region', flag],
    ['AWS_REGION', env.AWS_REGION],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
  ];
  for (const [source, value] of candidates) {
    const region = value?.trim();
    if (region) return { region, source };
  }
  return { region: DEFAULT_REGION, source: 'default' };
}

// One region rule for `sls deploy` and `npm run register`: a stack is looked up where it was put.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '../../../infra/options.ts';
import { resolveRegion } from '../../../infra/region.ts';
import { applyRegionRule, type ServerlessLike } from '../../../infra/serverless-guard.ts';

type Env = Record<string, string | undefined>;

/** What register uses for `--region FLAG` (or none) in `env`. */
function registerRegion(flag: string | undefined, env: Env): string {
  return parseOptions(['--cluster', 'demo', ...(flag === undefined ? [] : ['--region', flag])], env).region;
}

/**
 * What `sls` uses: serverless.yml's variable chain as osls resolves it (an empty value stops it),
 * then the guard plugin, then osls's own fallback for an empty region.
 */
function slsRegion(flag: string | undefined, env: Env): string {
  const fromYaml = [flag, env.AWS_REGION, env.AWS_DEFAULT_REGION].find((value) => value !== undefined) ?? 'us-east-1';
  const serverless: ServerlessLike = { service: { provider: { region: fromYaml } }, processedInput: { commands: ['deploy'] }, classes: { Error } };
  applyRegionRule(serverless, { region: flag }, env);
  return serverless.service.provider.region || 'us-east-1';
}

const CASES: Array<[string, string | undefined, Env, string]> = [
  ['--region first', 'ap-south-1', { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' }, 'ap-south-1'],
  ['then AWS_REGION', undefined, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' }, 'eu-west-1'],
  ['then AWS_DEFAULT_REGION', undefined, { AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1'],
  ['an empty AWS_REGION is skipped', undefined, { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1'],
  ['an empty --region is skipped', '', { AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1'],
  ['else us-east-1', undefined, {}, 'us-east-1'],
  ['the profile region is not read', undefined, { AWS_PROFILE: 'eu-profile', AWS_CONFIG_FILE: '/nonexistent' }, 'us-east-1'],
];

describe('region', () => {
  for (const [name, flag, env, expected] of CASES) {
    test(`${name}: sls and register both use ${expected}`, () => {
      assert.equal(resolveRegion(flag, env).region, expected);
      assert.equal(registerRegion(flag, env), expected, 'register');
      assert.equal(slsRegion(flag, env), expected, 'sls deploy');
    });
  }

  test('says where the region came from', () => {
    assert.deepEqual(resolveRegion(undefined, { AWS_DEFAULT_REGION: ' eu-west-1 ' }), { region: 'eu-west-1', source: 'AWS_DEFAULT_REGION' });
    assert.equal(resolveRegion(undefined, {}).source, 'default');
  });
});

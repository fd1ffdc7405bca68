import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, describeConfig, loadConfig } from '../../lib/config.ts';

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  test('defaults need no variables at all', () => {
    const config = loadConfig({});
    assert.equal(config.defaultArch, 'amd64');
    assert.equal(config.multiArchStrategy, 'affinity');
    assert.deepEqual(config.excludedNamespaces, ['kube-system']);
    assert.equal(config.timeBudgetMs, 3000);
    assert.equal(config.cacheTable, undefined);
    assert.equal(config.digestTtlSeconds, 30 * 86400);
    assert.equal(config.tagTtlSeconds, 3600);
    assert.equal(config.negativeTtlSeconds, 60);
    assert.equal(config.staleTtlSeconds, 7 * 86400);
    assert.equal(config.port, 8443);
  });

  test('parses every kind of value', () => {
    const config = loadConfig({
      ARCHY_DEFAULT_ARCH: 'arm64',
      ARCHY_PREFERRED_ARCH: 'arm64',
      ARCHY_MULTI_ARCH_STRATEGY: 'pin',
      ARCHY_TIME_BUDGET_MS: '2500',
      ARCHY_EXCLUDED_NAMESPACES: 'kube-system, monitoring ,',
      ARCHY_INSECURE_REGISTRIES: 'registry.local:5000,Localhost:5055',
      ARCHY_ARCH_TOLERATIONS: '{"arm64":[{"key":"kubernetes.io/arch","operator":"Equal","value":"arm64","effect":"NoSchedule"}]}',
      ARCHY_REGISTRY_MIRRORS: '{"docker.io":"123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/"}',
      ARCHY_TAG_TTL: '15m',
      ARCHY_DIGEST_TTL: '2d',
      ARCHY_NEGATIVE_TTL: '30',
    });
    assert.equal(config.multiArchStrategy, 'pin');
    assert.deepEqual(config.excludedNamespaces, ['kube-system', 'monitoring']);
    assert.deepEqual(config.insecureRegistries, ['registry.local:5000', 'localhost:5055']);
    assert.equal(config.archTolerations.arm64?.[0]?.effect, 'NoSchedule');
    assert.equal(config.registryMirrors['docker.io'], '123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub');
    assert.equal(config.tagTtlSeconds, 900);
    assert.equal(config.digestTtlSeconds, 172800);
    assert.equal(config.negativeTtlSeconds, 30);
  });

  test('every problem names the variable and what it accepts, all at once', () => {
    const problems = problemsFor({
      ARCHY_MULTI_ARCH_STRATEGY: 'spread',
      ARCHY_TIME_BUDGET_MS: 'soon',
      ARCHY_TAG_TTL: '1 week',
      ARCHY_ARCH_TOLERATIONS: '[1,2]',
      ARCHY_LOG_LEVEL: 'loud',
    });
    assert.equal(problems.length, 5);
    assert.match(problems.join('\n'), /ARCHY_MULTI_ARCH_STRATEGY: expected one of affinity, pin \(got "spread"\)/);
    assert.match(problems.join('\n'), /ARCHY_TIME_BUDGET_MS: expected a whole number from 100 to 29000/);
    assert.match(problems.join('\n'), /ARCHY_TAG_TTL: expected a duration/);
    assert.match(problems.join('\n'), /ARCHY_ARCH_TOLERATIONS: expected a JSON object/);
    assert.match(problems.join('\n'), /ARCHY_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/);
  });

  test('a bad webhook token is refused without echoing it', () => {
    const problems = problemsFor({ ARCHY_WEBHOOK_TOKEN: 'short secret!' });
    assert.match(problems[0] ?? '', /ARCHY_WEBHOOK_TOKEN/);
    assert.doesNotMatch(problems.join(' '), /short secret/);
  });

  test('TLS files come in pairs', () => {
    assert.match(problemsFor({ ARCHY_TLS_CERT_FILE: '/tmp/cert.pem' })[0] ?? '', /set both or neither/);
  });

  test('the configuration summary hides secret values', () => {
    const summary = describeConfig(loadConfig({ ARCHY_WEBHOOK_TOKEN: 'a'.repeat(32), ARCHY_KUBE_CA_DATA: 'LS0tLS1CRUdJTg==' }));
    assert.equal(summary.webhookToken, 'set');
    assert.equal(summary.kubeCaData, 'set');
    assert.doesNotMatch(JSON.stringify(summary), /aaaaaaaa|LS0tLS1CRUdJTg/);
  });
});

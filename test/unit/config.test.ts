import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

  describe('the token or the secret that holds it', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:WebhookTokenSecret-AbCdEf123456-xYz9';

    test('a Secrets Manager secret ARN is accepted and shown in the summary (it is no secret)', () => {
      const config = loadConfig({ ARCHY_WEBHOOK_TOKEN_SECRET_ARN: arn });
      assert.equal(config.webhookTokenSecretArn, arn);
      assert.equal(config.webhookToken, undefined);
      assert.equal(describeConfig(config).webhookTokenSecretArn, arn);
      assert.equal(loadConfig({ ARCHY_WEBHOOK_TOKEN_SECRET_ARN: arn.replace(':aws:', ':aws-cn:').replace('eu-west-1', 'cn-north-1') }).webhookTokenSecretArn?.startsWith('arn:aws-cn:'), true);
    });

    test('anything else is refused, naming the variable', () => {
      for (const wrong of ['archy-token', 'arn:aws:ssm:eu-west-1:111122223333:parameter/token', 'arn:aws:secretsmanager:eu-west-1:1111:secret:x']) {
        assert.match(problemsFor({ ARCHY_WEBHOOK_TOKEN_SECRET_ARN: wrong })[0] ?? '', /^ARCHY_WEBHOOK_TOKEN_SECRET_ARN: expected a Secrets Manager secret ARN/, wrong);
      }
    });

    test('both set is refused, naming both: neither silently wins', () => {
      const problems = problemsFor({ ARCHY_WEBHOOK_TOKEN: 'a'.repeat(32), ARCHY_WEBHOOK_TOKEN_SECRET_ARN: arn });
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', /ARCHY_WEBHOOK_TOKEN and ARCHY_WEBHOOK_TOKEN_SECRET_ARN: set one or neither/);
      assert.doesNotMatch(problems[0] ?? '', /aaaa/);
    });
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

describe('configuration that would make pods invalid or unschedulable is refused', () => {
  const tolerations = (value: unknown): Record<string, string> => ({ ARCHY_ARCH_TOLERATIONS: JSON.stringify(value) });
  const mirrors = (value: unknown): Record<string, string> => ({ ARCHY_REGISTRY_MIRRORS: JSON.stringify(value) });

  for (const name of ['ARCHY_DEFAULT_ARCH', 'ARCHY_PREFERRED_ARCH']) {
    for (const [wrong, right] of [['x86_64', 'amd64'], ['aarch64', 'arm64'], ['armhf', 'arm'], ['i686', '386'], ['AMD64', 'amd64']] as const) {
      test(`${name}=${wrong} names the Kubernetes spelling ${right}`, () => {
        assert.deepEqual(problemsFor({ [name]: wrong }), [`${name}: "${wrong}" is not a Kubernetes architecture name; use "${right}"`]);
      });
    }

    for (const wrong of ['sparc64', 'amd64 evil', 'arm64\nX', 'arm/v7']) {
      test(`${name}=${JSON.stringify(wrong)} is refused with the names it accepts`, () => {
        const [problem = ''] = problemsFor({ [name]: wrong });
        assert.ok(problem.startsWith(`${name}: ${JSON.stringify(wrong)} is not a Kubernetes architecture name (one of amd64, arm64, arm, 386,`), problem);
      });
    }
  }

  test('every architecture Linux nodes report is accepted', () => {
    for (const arch of ['amd64', 'arm64', 'arm', '386', 'ppc64le', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64le', 'mips64', 'mipsle', 'mips']) {
      const config = loadConfig({ ARCHY_DEFAULT_ARCH: arch, ARCHY_PREFERRED_ARCH: arch, ...tolerations({ [arch]: [{ operator: 'Exists' }] }) });
      assert.equal(config.defaultArch, arch);
      assert.equal(config.preferredArch, arch);
    }
  });

  test('the README example of ARCHY_ARCH_TOLERATIONS is accepted as written', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `ARCHY_ARCH_TOLERATIONS`')) ?? '';
    const example = /e\.g\. `(\{.*\})`/.exec(row)?.[1];
    assert.ok(example, 'the README row shows an example');
    const config = loadConfig({ ARCHY_ARCH_TOLERATIONS: example });
    assert.deepEqual(config.archTolerations, JSON.parse(example));
  });

  test('a toleration problem names the architecture and the index', () => {
    const problems = problemsFor(tolerations({
      arm64: [
        { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
        { key: 'kubernetes.io/arch', effect: 'NoExecute', tolerationSeconds: 'soon' },
      ],
      amd64: [{ operator: 'Exists', value: 'x' }],
    }));
    assert.deepEqual(problems, [
      'ARCHY_ARCH_TOLERATIONS: arm64[1]: tolerationSeconds must be an integer',
      'ARCHY_ARCH_TOLERATIONS: amd64[0]: value must be empty with operator "Exists"',
    ]);
  });

  test('every rule the API server applies to a toleration is applied', () => {
    const problems = problemsFor(tolerations({ arm64: [{ key: 5, tolerationSeconds: 'soon' }, { value: 'arm64', effect: 'NoExecute ' }, { key: 'kubernetes.io/arch', colour: 'red' }] }));
    assert.deepEqual(problems, [
      'ARCHY_ARCH_TOLERATIONS: arm64[0]: key must be a string',
      'ARCHY_ARCH_TOLERATIONS: arm64[0]: tolerationSeconds must be an integer',
      'ARCHY_ARCH_TOLERATIONS: arm64[0]: tolerationSeconds needs effect "NoExecute"',
      'ARCHY_ARCH_TOLERATIONS: arm64[1]: key may be empty only with operator "Exists"',
      'ARCHY_ARCH_TOLERATIONS: arm64[1]: effect must be "NoSchedule", "PreferNoSchedule" or "NoExecute"',
      'ARCHY_ARCH_TOLERATIONS: arm64[2]: unknown field "colour" (allowed: key, operator, value, effect, tolerationSeconds)',
    ]);
  });

  test('tolerations keyed by a wrong architecture name the right one', () => {
    assert.deepEqual(problemsFor(tolerations({ aarch64: [] })), ['ARCHY_ARCH_TOLERATIONS: "aarch64" is not a Kubernetes architecture name; use "arm64"']);
    assert.match(problemsFor(tolerations({ sparc64: [] }))[0] ?? '', /^ARCHY_ARCH_TOLERATIONS: "sparc64" is not a Kubernetes architecture name \(one of amd64,/);
    assert.match(problemsFor({ ARCHY_ARCH_TOLERATIONS: '{"__proto__":[]}' })[0] ?? '', /^ARCHY_ARCH_TOLERATIONS: "__proto__" is not a Kubernetes architecture name/);
  });

  test('tolerations come as a list of at most 16 per architecture', () => {
    const one = { key: 'dedicated', operator: 'Exists' };
    assert.equal(loadConfig(tolerations({ arm64: Array(16).fill(one) })).archTolerations.arm64?.length, 16);
    assert.deepEqual(problemsFor(tolerations({ arm64: Array(17).fill(one) })), ['ARCHY_ARCH_TOLERATIONS: arm64: at most 16 tolerations (got 17)']);
    assert.deepEqual(problemsFor(tolerations({ arm64: one })), ['ARCHY_ARCH_TOLERATIONS: arm64: expected a list of tolerations']);
  });

  test('an empty operator or effect, which Kubernetes reads as absent, is left out of the pod', () => {
    const config = loadConfig(tolerations({ arm64: [{ key: 'dedicated', operator: '', value: 'arm', effect: '' }] }));
    assert.deepEqual(config.archTolerations.arm64, [{ key: 'dedicated', value: 'arm' }]);
  });

  test('mirrors accept host[:port][/path] for a registry host[:port]', () => {
    const config = loadConfig(mirrors({
      'Registry.Example.com:5000': 'Mirror.Example.com:5443/a__b/c-d/e.f',
      'quay.io': '10.0.0.7:5000',
      localhost: 'mirror.local/cache',
      'docker.io': 'docker.io/mirror',
    }));
    assert.deepEqual(config.registryMirrors, {
      'registry.example.com:5000': 'mirror.example.com:5443/a__b/c-d/e.f',
      'quay.io': '10.0.0.7:5000',
      localhost: 'mirror.local/cache',
      'docker.io': 'docker.io/mirror',
    });
  });

  for (const [value, problem] of [
    [{ 'docker.io': 'https://mirror.example.com/hub' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "https://mirror.example.com/hub" must be host[:port][/path], without a scheme'],
    [{ 'docker.io': 'mirror.example.com/hub?x=1' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "mirror.example.com/hub?x=1": path component "hub?x=1" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    [{ 'docker.io': 'mirror.example.com/Docker-Hub' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "mirror.example.com/Docker-Hub": path component "Docker-Hub" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    [{ 'docker.io': 'mirror.example.com/hub junk' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "mirror.example.com/hub junk": path component "hub junk" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    [{ 'docker.io': 'mirror.example.com//hub' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "mirror.example.com//hub": path component "" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    [{ 'docker.io': 'mirror.example.com:0/hub' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "mirror.example.com:0/hub": "mirror.example.com:0" is not a host[:port]'],
    [{ 'docker.io': 'mirror_host/hub' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "mirror_host/hub": "mirror_host" is not a host[:port]'],
    [{ 'docker.io': '' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "": "" is not a host[:port]'],
    [{ 'docker.io': 42 }, 'ARCHY_REGISTRY_MIRRORS: docker.io: the mirror must be a string'],
    [{ 'docker.io': 'registry-1.docker.io' }, 'ARCHY_REGISTRY_MIRRORS: docker.io: mirror "registry-1.docker.io" is the registry itself'],
    [{ 'ghcr.io': 'ghcr.io/' }, 'ARCHY_REGISTRY_MIRRORS: ghcr.io: mirror "ghcr.io/" is the registry itself'],
    [{ 'https://ghcr.io': 'mirror.example.com' }, 'ARCHY_REGISTRY_MIRRORS: "https://ghcr.io" is not a registry host[:port]'],
    [{ 'ghcr.io:65536': 'mirror.example.com' }, 'ARCHY_REGISTRY_MIRRORS: "ghcr.io:65536" is not a registry host[:port]'],
    [{ dockerhub: 'mirror.example.com' }, 'ARCHY_REGISTRY_MIRRORS: "dockerhub" is never an image\'s registry: that is a host with a "." or a port, or localhost'],
  ] as const) {
    test(`mirrors ${JSON.stringify(value)} are refused`, () => {
      assert.deepEqual(problemsFor(mirrors(value)), [problem]);
    });
  }

  test('ARCHY_MODE is enforce or audit (enforce by default); ARCHY_AUDIT_NAMESPACES are namespace names', () => {
    assert.equal(loadConfig({}).mode, 'enforce');
    assert.deepEqual(loadConfig({}).auditNamespaces, []);
    const audit = loadConfig({ ARCHY_MODE: 'audit', ARCHY_AUDIT_NAMESPACES: ' payments , legacy-batch ' });
    assert.equal(audit.mode, 'audit');
    assert.deepEqual(audit.auditNamespaces, ['payments', 'legacy-batch']);
    assert.deepEqual(problemsFor({ ARCHY_MODE: 'dry-run', ARCHY_AUDIT_NAMESPACES: 'Payments' }), [
      'ARCHY_MODE: expected one of enforce, audit (got "dry-run")',
      'ARCHY_AUDIT_NAMESPACES: expected comma-separated namespace names (up to 63 lowercase letters, digits and "-", a letter or digit at each end) (got "Payments")',
    ]);
  });

  test('excluded namespaces must be namespace names', () => {
    assert.deepEqual(loadConfig({ ARCHY_EXCLUDED_NAMESPACES: 'kube-system,team-1' }).excludedNamespaces, ['kube-system', 'team-1']);
    assert.deepEqual(problemsFor({ ARCHY_EXCLUDED_NAMESPACES: 'kube-system,Monitoring,team_1' }), [
      'ARCHY_EXCLUDED_NAMESPACES: expected comma-separated namespace names (up to 63 lowercase letters, digits and "-", a letter or digit at each end) (got "Monitoring")',
      'ARCHY_EXCLUDED_NAMESPACES: expected comma-separated namespace names (up to 63 lowercase letters, digits and "-", a letter or digit at each end) (got "team_1")',
    ]);
    assert.equal(problemsFor({ ARCHY_EXCLUDED_NAMESPACES: 'n'.repeat(64) }).length, 1);
  });

  for (const name of ['ARCHY_INSECURE_REGISTRIES', 'ARCHY_PRIVATE_REGISTRIES']) {
    test(`${name} ports run from 1 to 65535`, () => {
      assert.deepEqual(loadConfig({ [name]: 'registry.local:65535,registry.local:1,[::1]:5000' })[name === 'ARCHY_INSECURE_REGISTRIES' ? 'insecureRegistries' : 'privateRegistries'], [
        'registry.local:65535', 'registry.local:1', '[::1]:5000',
      ]);
      assert.deepEqual(problemsFor({ [name]: 'registry.local:0,registry.local:65536,https://registry.local' }), [
        `${name}: expected comma-separated host[:port] entries (port 1 to 65535) (got "registry.local:0")`,
        `${name}: expected comma-separated host[:port] entries (port 1 to 65535) (got "registry.local:65536")`,
        `${name}: expected comma-separated host[:port] entries (port 1 to 65535) (got "https://registry.local")`,
      ]);
    });
  }
});

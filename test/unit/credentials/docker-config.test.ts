import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerConfigError, parsePullSecret } from '../../../lib/credentials/docker-config.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const configJson = (auths: unknown): Record<string, string> => ({ '.dockerconfigjson': b64(JSON.stringify({ auths })) });

describe('parsePullSecret', () => {
  test('dockerconfigjson with a base64 auth entry; the password keeps its own colons', () => {
    const entries = parsePullSecret('kubernetes.io/dockerconfigjson', configJson({ 'ghcr.io': { auth: b64('bot:pa:ss:word') } }));
    assert.deepEqual(entries, [{ key: 'ghcr.io', credential: { kind: 'basic', username: 'bot', password: 'pa:ss:word' } }]);
  });

  test('username/password fields, and URL keys kept as written', () => {
    const entries = parsePullSecret(
      'kubernetes.io/dockerconfigjson',
      configJson({
        'https://index.docker.io/v1/': { username: 'hubuser', password: 'hubpass', email: 'x@example.com' },
        'http://registry.local:5000/team': { username: 'u', password: 'p' },
      }),
    );
    assert.deepEqual(entries.map((e) => e.key), ['https://index.docker.io/v1/', 'http://registry.local:5000/team']);
    assert.deepEqual(entries[0]?.credential, { kind: 'basic', username: 'hubuser', password: 'hubpass' });
  });

  test('auth wins over username/password, as the kubelet decides', () => {
    const [entry] = parsePullSecret('kubernetes.io/dockerconfigjson', configJson({ 'quay.io': { username: 'old', password: 'old', auth: b64('new:secret') } }));
    assert.deepEqual(entry?.credential, { kind: 'basic', username: 'new', password: 'secret' });
  });

  test('identitytoken entries', () => {
    const [entry] = parsePullSecret('kubernetes.io/dockerconfigjson', configJson({ 'myacr.azurecr.io': { username: '00000000-0000-0000-0000-000000000000', identitytoken: 'refresh-token' } }));
    assert.deepEqual(entry?.credential, { kind: 'identitytoken', token: 'refresh-token' });
  });

  test('legacy dockercfg: a bare map of entries', () => {
    const entries = parsePullSecret('kubernetes.io/dockercfg', { '.dockercfg': b64(JSON.stringify({ 'registry.example.com': { auth: b64('a:b') } })) });
    assert.deepEqual(entries, [{ key: 'registry.example.com', credential: { kind: 'basic', username: 'a', password: 'b' } }]);
  });

  test('entries without a usable credential are left out', () => {
    const entries = parsePullSecret('kubernetes.io/dockerconfigjson', configJson({ 'a.io': { email: 'x' }, 'b.io': { auth: b64('nocolon') }, 'c.io': 'text' }));
    assert.deepEqual(entries, []);
  });

  test('errors name the problem but never a value from the secret', () => {
    const secretText = 'sup3r-s3cret-value';
    const cases: Array<[string, Record<string, string>]> = [
      ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(`{"auths": ${secretText}`) }],
      ['kubernetes.io/dockerconfigjson', { other: b64(secretText) }],
      ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(JSON.stringify({ notauths: secretText })) }],
      ['Opaque', { password: b64(secretText) }],
    ];
    for (const [type, data] of cases) {
      assert.throws(() => parsePullSecret(type, data), (error: unknown) => {
        assert.ok(error instanceof DockerConfigError);
        assert.ok(!error.message.includes(secretText), error.message);
        return true;
      });
    }
  });
});

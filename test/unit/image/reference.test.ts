import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidReferenceError, parseReference, registryApiHost } from '../../../lib/image/reference.ts';

const SHA = `sha256:${'a'.repeat(64)}`;

describe('parseReference normalises like Docker', () => {
  const cases: Array<[string, string, Partial<ReturnType<typeof parseReference>>]> = [
    ['nginx', 'docker.io/library/nginx:latest', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['user/app', 'docker.io/user/app:latest', { registry: 'docker.io', repository: 'user/app' }],
    ['index.docker.io/nginx', 'docker.io/library/nginx:latest', { registry: 'docker.io' }],
    ['docker.io/library/nginx:1.27', 'docker.io/library/nginx:1.27', { tag: '1.27' }],
    ['ghcr.io/org/team/app:v1', 'ghcr.io/org/team/app:v1', { registry: 'ghcr.io', repository: 'org/team/app' }],
    ['myreg:5000/app', 'myreg:5000/app:latest', { registry: 'myreg:5000', repository: 'app' }],
    ['localhost/app', 'localhost/app:latest', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b:dev', 'localhost:5000/a/b:dev', { registry: 'localhost:5000' }],
    ['10.1.2.3:5000/a', '10.1.2.3:5000/a:latest', { registry: '10.1.2.3:5000' }],
    ['[::1]:5000/a', '[::1]:5000/a:latest', { registry: '[::1]:5000', repository: 'a' }],
    ['app:V1.0_RC', 'docker.io/library/app:V1.0_RC', { tag: 'V1.0_RC' }],
    [`a:1@${SHA}`, `docker.io/library/a:1@${SHA}`, { tag: '1', digest: SHA }],
    [`ghcr.io/a/b@${SHA}`, `ghcr.io/a/b@${SHA}`, { tag: undefined, digest: SHA }],
    ['localhost:5000', 'docker.io/library/localhost:5000', { repository: 'library/localhost', tag: '5000' }],
    ['a__b/c-d--e/f.g_h:x', 'docker.io/a__b/c-d--e/f.g_h:x', { repository: 'a__b/c-d--e/f.g_h' }],
    ['Registry.Example.COM/app', 'registry.example.com/app:latest', { registry: 'registry.example.com' }],
  ];
  for (const [input, canonical, fields] of cases) {
    test(`${input} → ${canonical}`, () => {
      const ref = parseReference(input);
      assert.equal(ref.canonical, canonical);
      for (const [key, value] of Object.entries(fields)) assert.equal(ref[key as keyof typeof ref], value, key);
    });
  }

  test('a digest-only reference gets no :latest', () => {
    assert.equal(parseReference(`nginx@${SHA}`).tag, undefined);
  });

  test('sha512 digests are accepted', () => {
    const digest = `sha512:${'b'.repeat(128)}`;
    assert.equal(parseReference(`a@${digest}`).digest, digest);
  });
});

describe('parseReference rejects what Docker rejects, with a reason', () => {
  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Nginx', /must be lowercase/],
    ['ghcr.io/Org/app', /must be lowercase/],
    ['app:-bad', /tag/],
    ['app:.bad', /tag/],
    [`app:${'t'.repeat(129)}`, /tag/],
    ['app@sha256:abc', /64 lowercase/],
    [`app@sha256:${'A'.repeat(64)}`, /64 lowercase/],
    [`app@md5:${'a'.repeat(32)}`, /sha256/],
    ['a'.repeat(64), /image ID/],
    ['ghcr.io//app', /empty component/],
    ['app/', /empty component/],
    ['-app', /may only hold/],
    ['app-', /may only hold/],
    ['a..b', /may only hold/],
    [':tag', /repository name is empty/],
    ['my_reg.io:port/app', /registry host/],
    [' nginx', /spaces/],
    [`ghcr.io/${'a'.repeat(250)}`, /longer than 255/],
  ];
  for (const [input, reason] of invalid) {
    test(JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input), () => {
      assert.throws(() => parseReference(input), (error: unknown) => error instanceof InvalidReferenceError && reason.test(error.reason));
    });
  }

  test('a name of exactly 255 characters is accepted', () => {
    const name = `ghcr.io/${'a'.repeat(255 - 'ghcr.io/'.length)}`;
    assert.equal(parseReference(name).repository.length, 255 - 'ghcr.io/'.length);
  });
});

test('registryApiHost maps Docker Hub to its API host only', () => {
  assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
  assert.equal(registryApiHost('localhost:5000'), 'localhost:5000');
});

describe('properties', () => {
  const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/).filter((s) => s.length <= 20);
  const host = fc.constantFrom('ghcr.io', 'localhost', 'localhost:5000', 'myreg:5000', '10.0.0.1:5000', '[::1]:5000', 'docker.io', 'index.docker.io');
  const tag = fc.stringMatching(/^\w[\w.-]{0,20}$/);
  const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);
  const validReference = fc
    .tuple(fc.option(host, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 3 }), fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }))
    .map(([h, path, t, d]) => `${h ? `${h}/` : ''}${path.join('/')}${t ? `:${t}` : ''}${d ? `@${d}` : ''}`);

  test('the parser throws nothing but InvalidReferenceError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), validReference), (input) => {
        try {
          parseReference(input);
        } catch (error) {
          assert.ok(error instanceof InvalidReferenceError, String(error));
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('canonical forms parse to themselves (normalising is idempotent)', () => {
    fc.assert(
      fc.property(validReference, (input) => {
        const once = parseReference(input);
        const twice = parseReference(once.canonical);
        assert.deepEqual(twice, once);
      }),
      { numRuns: 1000 },
    );
  });
});

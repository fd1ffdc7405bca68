// lib/mirrors lives beside credentials: mirror lookups use their own (IAM) credentials.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline } from '../../../lib/deadline.ts';
import { MirroringSource, mirroredReference, type MirrorEvent } from '../../../lib/mirrors/mirroring-source.ts';
import type { ImageReference, RegistryCredential } from '../../../lib/types.ts';

const nginx: ImageReference = { registry: 'docker.io', repository: 'library/nginx', tag: '1', canonical: 'docker.io/library/nginx:1' };
const mirrorHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const iam: RegistryCredential = { kind: 'basic', username: 'AWS', password: 'iam', identity: 'iam0000000000000' };
const podCred: RegistryCredential = { kind: 'basic', username: 'hub', password: 'hubpw', identity: 'pod0000000000000' };

interface Opts { credentials?: RegistryCredential[]; deadline: string }
type Call = { canonical: string; credentials: string[] };

function registry(failHosts: Set<string>): { calls: Call[]; resolve: (r: ImageReference, o: Opts) => Promise<{ digest: string }>; headDigest: (r: ImageReference, o: Opts) => Promise<string> } {
  const calls: Call[] = [];
  const answer = async (ref: ImageReference, options: Opts): Promise<string> => {
    calls.push({ canonical: ref.canonical, credentials: (options.credentials ?? []).map((c) => c.identity) });
    if (failHosts.has(ref.registry)) throw new Error(`${ref.registry}: manifest unknown`);
    return `sha256:${ref.registry === 'docker.io' ? 'a' : 'b'}`;
  };
  return { calls, resolve: async (ref, options) => ({ digest: await answer(ref, options) }), headDigest: answer };
}

describe('mirroredReference', () => {
  test('puts the mirror host and prefix in front of the repository, keeping tag and digest', () => {
    assert.deepEqual(mirroredReference(nginx, `${mirrorHost}/docker-hub`), {
      registry: mirrorHost,
      repository: 'docker-hub/library/nginx',
      tag: '1',
      canonical: `${mirrorHost}/docker-hub/library/nginx:1`,
    });
    const pinned: ImageReference = { registry: 'ghcr.io', repository: 'a/b', digest: 'sha256:00', canonical: 'ghcr.io/a/b@sha256:00' };
    assert.equal(mirroredReference(pinned, 'mirror.local:5000').canonical, 'mirror.local:5000/a/b@sha256:00');
  });
});

describe('MirroringSource', () => {
  const mirrorCredentials = { credentialsFor: async (host: string) => (host === mirrorHost ? [iam] : []) };

  test('prepare passes on the mirrored images first, then the originals (either may be met next)', () => {
    const prepared: string[][] = [];
    const inner = { ...registry(new Set()), prepare: (refs: readonly ImageReference[]) => void prepared.push(refs.map((ref) => ref.canonical)) };
    const source = new MirroringSource({ registry: inner, mirrors: { 'docker.io': `${mirrorHost}/docker-hub` }, credentials: mirrorCredentials });
    const ghcr: ImageReference = { registry: 'ghcr.io', repository: 'a/b', tag: '2', canonical: 'ghcr.io/a/b:2' };
    source.prepare([nginx, ghcr], new Deadline(1_000));
    assert.deepEqual(prepared, [[`${mirrorHost}/docker-hub/library/nginx:1`, nginx.canonical, ghcr.canonical]]);
  });

  test('asks the mirror first, with the mirror\'s credentials, and says the mirror answered', async () => {
    const inner = registry(new Set());
    const events: MirrorEvent[] = [];
    const source = new MirroringSource({ registry: inner, mirrors: { 'docker.io': `${mirrorHost}/docker-hub` }, credentials: mirrorCredentials, onAnswer: (e) => events.push(e) });
    const result = await source.resolve(nginx, { deadline: 'd', credentials: [podCred] });
    assert.deepEqual(result, { digest: 'sha256:b', answeredBy: 'mirror' });
    assert.deepEqual(inner.calls, [{ canonical: `${mirrorHost}/docker-hub/library/nginx:1`, credentials: ['iam0000000000000'] }]);
    assert.deepEqual(events, [{ image: nginx.canonical, answeredBy: 'mirror', mirror: mirrorHost }]);
  });

  test('falls back to the original registry with the pod\'s own credentials when the mirror fails', async () => {
    const inner = registry(new Set([mirrorHost]));
    const events: MirrorEvent[] = [];
    const source = new MirroringSource({ registry: inner, mirrors: { 'index.docker.io': `${mirrorHost}/docker-hub` }, credentials: mirrorCredentials, onAnswer: (e) => events.push(e) });
    assert.equal(await source.headDigest(nginx, { deadline: 'd', credentials: [podCred] }), 'sha256:a');
    assert.deepEqual(inner.calls.map((c) => c.credentials), [['iam0000000000000'], ['pod0000000000000']]);
    assert.equal(events[0]?.answeredBy, 'origin');
    assert.match(events[0]?.mirrorError ?? '', /manifest unknown/);
  });

  test('registries without a mirror go straight to the origin', async () => {
    const inner = registry(new Set());
    const source = new MirroringSource({ registry: inner, mirrors: { 'docker.io': mirrorHost }, credentials: mirrorCredentials });
    const ghcr: ImageReference = { registry: 'ghcr.io', repository: 'a/b', tag: 'v1', canonical: 'ghcr.io/a/b:v1' };
    assert.equal((await source.resolve(ghcr, { deadline: 'd' })).answeredBy, 'origin');
    assert.deepEqual(inner.calls.map((c) => c.canonical), ['ghcr.io/a/b:v1']);
  });

  test('when both fail, the origin\'s error is the one reported', async () => {
    const inner = registry(new Set([mirrorHost, 'docker.io']));
    const source = new MirroringSource({ registry: inner, mirrors: { 'docker.io': mirrorHost }, credentials: mirrorCredentials });
    await assert.rejects(source.resolve(nginx, { deadline: 'd' }), /docker\.io: manifest unknown/);
  });
});

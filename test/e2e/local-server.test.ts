// The local HTTPS server, started as `npm run local` starts it, answering real AdmissionReviews
// for images in a real registry; where it listens, and the certificate it keeps.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { selfSignedCertificate } from '../../lib/local/certificate.ts';
import { certificateNames } from '../../lib/local/certificate-store.ts';
import { startRegistry, type TestRegistry } from '../support/registry/harness.ts';
import { cleanEnv, startUntil, stop } from '../support/processes.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';

const TOKEN = 'e2e-local-server-token-0123456789';
let registry: TestRegistry;
let server: ChildProcess;
let base: string;
let ca: string;
let tlsDir: string;
let first: ServerInfo;

interface ServerInfo {
  listening: string;
  url: string;
  certificate: string;
  certificateState: string;
  certificateValidTo?: string;
  caBundle: string;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const started = await startUntil(process.execPath, ['functions/local-server.ts'], cleanEnv({ ARCHY_PORT: '0', ARCHY_LOG_LEVEL: 'warn', ...env }), /archy local server listening/);
  return { child: started.child, info: JSON.parse(started.line) as ServerInfo };
}

function refusesConnection(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers, ca }, (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pod(images: string[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'e2e', namespace: 'default' },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
}

function review(uid: string, object: unknown): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, operation: 'CREATE', namespace: 'default', object } });
}

describe('local HTTPS server', () => {
  before(async () => {
    registry = await startRegistry();
    await registry.pushIndex('e2e/multi', '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
    await registry.pushImage('e2e/arm', '1', { os: 'linux', architecture: 'arm64' });
    tlsDir = await mkdtemp(join(tmpdir(), 'archy-local-tls-'));
    const started = await startServer({ ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_WEBHOOK_TOKEN: TOKEN, ARCHY_TLS_DIR: tlsDir });
    server = started.child;
    first = started.info;
    base = new URL(first.url).origin;
    ca = Buffer.from(first.caBundle, 'base64').toString();
  });
  after(async () => {
    if (server) await stop(server);
    await registry?.stop();
    if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
  });

  test('a multi-arch image gets a required affinity that applies cleanly to the pod', async () => {
    const object = pod([`${registry.host}/e2e/multi:1`]);
    const response = await post(`/mutate/${TOKEN}`, review('uid-multi', object));
    assert.equal(response.status, 200);
    const answer = JSON.parse(response.body) as ReviewAnswer;
    assert.equal(answer.response.uid, 'uid-multi');
    assert.equal(answer.response.allowed, true);
    const patched = applyAnswer(object, answer) as { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchExpressions: unknown[] }> } } } }; metadata: { annotations: Record<string, string> } };
    assert.deepEqual(patched.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions, [
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
    ]);
    assert.equal(patched.metadata.annotations['archy.io/architectures'], 'amd64,arm64');
  });

  test('images whose only common architecture is arm64 get a nodeSelector', async () => {
    const object = pod([`${registry.host}/e2e/multi:1`, `${registry.host}/e2e/arm:1`]);
    const answer = JSON.parse((await post(`/mutate/${TOKEN}`, review('uid-arm', object))).body) as ReviewAnswer;
    const patched = applyAnswer(object, answer) as { spec: { nodeSelector: Record<string, string> } };
    assert.equal(patched.spec.nodeSelector['kubernetes.io/arch'], 'arm64');
  });

  test('an image that does not exist falls back to the default architecture with a warning', async () => {
    const object = pod([`${registry.host}/e2e/missing:1`]);
    const answer = JSON.parse((await post(`/mutate/${TOKEN}`, review('uid-missing', object))).body) as ReviewAnswer;
    assert.equal(answer.response.allowed, true);
    assert.ok(answer.response.warnings?.some((w) => /e2e\/missing/.test(w)), JSON.stringify(answer.response.warnings));
    const patched = applyAnswer(object, answer) as { spec: { nodeSelector: Record<string, string> } };
    assert.equal(patched.spec.nodeSelector['kubernetes.io/arch'], 'amd64');
  });

  test('the wrong token is refused and malformed bodies get a 4xx', async () => {
    assert.equal((await post('/mutate/not-the-token', review('uid-x', pod(['nginx'])))).status, 401);
    assert.equal((await post(`/mutate/${TOKEN}`, '{not json')).status, 400);
    assert.equal((await post(`/mutate/${TOKEN}`, 'x'.repeat(1024 * 1024 + 10))).status, 413);
  });

  test('it listens on 127.0.0.1 only, by default', async () => {
    const port = Number(new URL(base).port);
    assert.equal(first.listening, `127.0.0.1:${port}`);
    assert.equal(await refusesConnection('127.0.0.2', port), true, 'another loopback address is not served');
  });

  test('a restart serves the same certificate, kept in ARCHY_TLS_DIR, so a cluster\'s caBundle stays valid', async () => {
    assert.equal(first.certificateState, 'created');
    assert.equal(first.certificate, join(tlsDir, 'tls.crt'));
    const again = await startServer({ ARCHY_TLS_DIR: tlsDir });
    try {
      assert.equal(again.info.certificateState, 'reused');
      assert.equal(again.info.caBundle, first.caBundle);
    } finally {
      await stop(again.child);
    }
  });

  test('ARCHY_HOST picks the address; the certificate is made again to name it', async () => {
    const other = await startServer({ ARCHY_TLS_DIR: tlsDir, ARCHY_HOST: '127.0.0.2' });
    try {
      const port = Number(other.info.listening.split(':')[1]);
      assert.equal(other.info.listening, `127.0.0.2:${port}`);
      assert.equal(other.info.certificateState, 'created');
      const cert = new X509Certificate(Buffer.from(other.info.caBundle, 'base64'));
      assert.equal(cert.checkIP('127.0.0.2'), '127.0.0.2');
      assert.ok(cert.checkHost('host.docker.internal', { subject: 'never' }));
      assert.equal(await refusesConnection('127.0.0.1', port), true, 'not served on 127.0.0.1');
      const status = await new Promise<number>((resolve, reject) => {
        request(`https://127.0.0.2:${port}/healthz`, { ca: cert.toString() }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
      assert.equal(status, 200);
    } finally {
      await stop(other.child);
    }
  });

  test('a kept certificate with less than a week left is replaced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archy-local-tls-'));
    try {
      const names = certificateNames('127.0.0.1', hostname());
      const old = await selfSignedCertificate(names.dnsNames, names.ipAddresses, 3);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'tls.crt'), old.cert);
      await writeFile(join(dir, 'tls.key'), old.key);
      const started = await startServer({ ARCHY_TLS_DIR: dir });
      await stop(started.child);
      assert.equal(started.info.certificateState, 'created');
      assert.ok(Date.parse(started.info.certificateValidTo ?? '') > Date.now() + 300 * 86400_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

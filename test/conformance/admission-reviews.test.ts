// Every real AdmissionReview in the corpus, sent over HTTPS to the local server running the Lambda
// handler. No registry is reachable: an injected DNS lookup refuses every name (and records it), so
// no packet leaves the machine; images therefore fall back to the default architecture.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { createApp } from '../../lib/app.ts';
import { createLambdaHandler } from '../../lib/http/lambda.ts';
import { selfSignedCertificate } from '../../lib/local/certificate.ts';
import { startLocalServer } from '../../lib/local/server.ts';
import { NodeTransport } from '../../lib/registry/transport.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';

const CORPUS = process.env.ARCHY_CORPUS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'realworld');
const DIR = join(CORPUS, 'admission');
const present = existsSync(DIR);
if (!present) console.log(`realworld corpus not found at ${DIR}; set ARCHY_CORPUS_DIR to run the admission conformance suite`);

interface Case {
  file: string;
  body: Record<string, unknown>;
}

function loadCases(): Case[] {
  return readdirSync(DIR)
    .filter((file) => /\.(json|ya?ml)$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const parsed = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
      // Request-only files (kwctl format) are wrapped as SOURCES.md says.
      const body = file.startsWith('request-only-') ? { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: parsed } : parsed;
      return { file, body };
    });
}

describe('real-world AdmissionReviews through the local HTTPS server', { skip: !present && 'corpus absent' }, () => {
  const looked: string[] = [];
  let close: () => Promise<void>;
  let base: string;
  let ca: string;

  before(async () => {
    // The ECR client must not reach AWS either: a closed loopback port answers it.
    process.env.AWS_ENDPOINT_URL_ECR = 'http://127.0.0.1:9';
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const transport = new NodeTransport({
      insecureRegistries: [],
      privateRegistries: [],
      lookup: async (hostname) => {
        looked.push(hostname);
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      },
    });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const app = createApp({ env: { ARCHY_TIME_BUDGET_MS: '300', KUBECONFIG: '/nonexistent' }, logDestination: sink, registryTransport: transport });
    const tls = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
    const server = await startLocalServer({ handler: createLambdaHandler(app), port: 0, host: '127.0.0.1', ...tls });
    close = server.close;
    base = `https://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    ca = tls.cert;
  });
  after(async () => {
    await close?.();
  });

  function post(body: unknown): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, ca }, (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  for (const { file, body } of present ? loadCases() : []) {
    test(file, async () => {
      const sent = body.request as { uid?: string; operation?: string; object?: unknown } | undefined;
      const response = await post(body);
      assert.ok(response.status < 500, `5xx for ${file}: ${response.body}`);
      if (!sent?.uid) {
        // No uid: the answer could not be matched to the request, so it is refused with a reason.
        assert.equal(response.status, 400);
        assert.match(response.body, /request.uid is missing/);
        return;
      }
      assert.equal(response.status, 200, response.body);
      const answer = JSON.parse(response.body) as ReviewAnswer;
      assert.equal(answer.apiVersion, body.apiVersion, 'answered in the version it was asked in');
      assert.equal(answer.kind, 'AdmissionReview');
      assert.equal(answer.response.uid, sent.uid);
      assert.equal(answer.response.allowed, true);
      const looksLikePod = typeof sent.object === 'object' && sent.object !== null && 'spec' in sent.object;
      if (sent.operation !== 'CREATE' || !looksLikePod) {
        assert.equal(answer.response.patch, undefined, 'only pod creation is patched');
        return;
      }
      // Nothing is reachable, so every CREATE falls back to the default architecture and says so.
      const patched = applyAnswer(sent.object, answer) as { spec: { nodeSelector?: Record<string, string> }; metadata: { annotations?: Record<string, string> } };
      assert.equal(patched.spec.nodeSelector?.['kubernetes.io/arch'], 'amd64');
      assert.equal(patched.metadata.annotations?.['archy.io/architectures'], 'amd64');
      assert.ok(patched.metadata.annotations?.['archy.io/reason'], 'the fallback is recorded on the pod');
      assert.ok(answer.response.warnings?.some((w) => /default architecture|amd64/.test(w)), JSON.stringify(answer.response.warnings));
    });
  }

  test('no registry name was resolved for real: every lookup went to the refusing resolver', { skip: !present }, () => {
    assert.ok(looked.includes('registry-1.docker.io'), `looked up: ${[...new Set(looked)].join(', ')}`);
  });
});

// An AWS Secrets Manager fake on 127.0.0.1 (AWS JSON 1.1 protocol) answering GetSecretValue, as the
// real service does: the SecretString of a known ARN, or an error type in `__type`. Reached through
// the SDK's standard endpoint override: AWS_ENDPOINT_URL_SECRETS_MANAGER=<fake.url>.
import { createServer, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export interface SecretsManagerFakeCall {
  target: string;
  secretId?: string;
  /** The SigV4 credential scope region the request was signed for. */
  region?: string;
  /** The access key id the request was signed with. */
  accessKeyId?: string;
}

export interface SecretsManagerFake {
  url: string;
  calls: SecretsManagerFakeCall[];
  /** SecretString by secret ARN. */
  secrets: Map<string, string>;
  /** Answer with this error type (400, or 500 for InternalServiceError) until set back to undefined. */
  failWith?: string;
  /** Keeps every request from now on unanswered until the returned release is called. */
  hold(): () => void;
  /** Resolves once `count` requests have arrived in all. */
  requests(count: number): Promise<void>;
  close(): Promise<void>;
}

const TARGET = 'secretsmanager.GetSecretValue';

export async function startSecretsManagerFake(secrets: Record<string, string> = {}): Promise<SecretsManagerFake> {
  let gate: Promise<void> | undefined;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const fake: Omit<SecretsManagerFake, 'url' | 'close'> = {
    calls: [],
    secrets: new Map(Object.entries(secrets)),
    hold() {
      let release = (): void => undefined;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    requests(count) {
      if (fake.calls.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const held = gate;
      const target = String(req.headers['x-amz-target'] ?? '');
      const scope = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/secretsmanager\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(String(req.headers.authorization ?? ''));
      let body: { SecretId?: string };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
      } catch {
        return reply(res, 400, { __type: 'SerializationException', message: 'bad JSON' });
      }
      fake.calls.push({ target, secretId: body.SecretId, accessKeyId: scope?.[1], region: scope?.[2] });
      for (const waiter of waiters.filter((w) => fake.calls.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = (): void => {
        if (!scope) return reply(res, 400, { __type: 'IncompleteSignatureException', message: 'not signed' });
        if (req.headers['content-type'] !== 'application/x-amz-json-1.1' || target !== TARGET) {
          return reply(res, 400, { __type: 'UnknownOperationException', message: `unsupported ${target}` });
        }
        if (fake.failWith) return reply(res, fake.failWith === 'InternalServiceError' ? 500 : 400, { __type: fake.failWith, message: 'refused by the fake' });
        const value = body.SecretId === undefined ? undefined : fake.secrets.get(body.SecretId);
        if (value === undefined) return reply(res, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return reply(res, 200, { ARN: body.SecretId, Name: 'archy-token', SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 });
      };
      if (held) void held.then(answer);
      else answer();
    });
  });
  return Object.assign(fake, await listenOnLoopback(server));
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

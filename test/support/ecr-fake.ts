// An Amazon ECR API fake on 127.0.0.1 (AWS JSON 1.1 protocol) answering GetAuthorizationToken.
// Reached through the SDK's standard endpoint override: AWS_ENDPOINT_URL_ECR=<fake.url>.
import { createServer, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export interface EcrFakeCall {
  target: string;
  registryIds?: string[];
  /** The SigV4 credential scope region the SDK signed for. */
  region?: string;
  /** The access key id the request was signed with. */
  accessKeyId?: string;
}

export interface EcrFake {
  url: string;
  calls: EcrFakeCall[];
  /** The password inside every token issued from now on (username is always `AWS`). */
  password: string;
  /** Lifetime of tokens issued from now on, in seconds. */
  expiresInSeconds: number;
  /** Answer GetAuthorizationToken with this error type until set back to undefined. */
  failWith?: string;
  close(): Promise<void>;
}

const TARGET = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';

export async function startEcrFake(options: { password: string; expiresInSeconds?: number; now?: () => number }): Promise<EcrFake> {
  const now = options.now ?? Date.now;
  const fake: Omit<EcrFake, 'url' | 'close'> = {
    calls: [],
    password: options.password,
    expiresInSeconds: options.expiresInSeconds ?? 12 * 3600,
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [, accessKeyId, region] = /Credential=([^/]+)\/\d{8}\/([^/]+)\/ecr\//.exec(String(req.headers.authorization ?? '')) ?? [];
      let body: { registryIds?: string[] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { registryIds?: string[] };
      } catch {
        return reply(res, 400, { __type: 'SerializationException', message: 'bad JSON' });
      }
      fake.calls.push({ target, registryIds: body.registryIds, region, accessKeyId });
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1' || target !== TARGET) {
        return reply(res, 400, { __type: 'UnknownOperationException', message: `unsupported ${target}` });
      }
      if (fake.failWith) return reply(res, 400, { __type: fake.failWith, message: 'refused by the fake' });
      const account = body.registryIds?.[0] ?? '000000000000';
      return reply(res, 200, {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${fake.password}`).toString('base64'),
            expiresAt: (now() + fake.expiresInSeconds * 1000) / 1000,
            proxyEndpoint: `https://${account}.dkr.ecr.${region ?? 'us-east-1'}.amazonaws.com`,
          },
        ],
      });
    });
  });
  return Object.assign(fake, await listenOnLoopback(server));
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

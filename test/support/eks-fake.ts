// An Amazon EKS fake on 127.0.0.1 answering DescribeCluster as the real service does (REST-JSON:
// `GET /clusters/<name>`, signed with SigV4 for service `eks`): the cluster's API endpoint and the
// base64 of its CA's PEM, or a 404 ResourceNotFoundException. Reached through the SDK's standard
// endpoint override: AWS_ENDPOINT_URL_EKS=<fake.url>.
import { createServer, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export interface EksFakeCluster {
  /** The Kubernetes API URL DescribeCluster hands out, e.g. `https://127.0.0.1:<port>`. */
  endpoint: string;
  /** The PEM of the CA that validates the API server's certificate. */
  caPem: string;
}

export interface EksFakeCall {
  method: string;
  path: string;
  /** The cluster name of a `GET /clusters/<name>`. */
  cluster?: string;
  /** The SigV4 credential scope region the request was signed for (undefined: not signed for eks). */
  region?: string;
  /** The access key id the request was signed with. */
  accessKeyId?: string;
}

export interface EksFake {
  url: string;
  calls: EksFakeCall[];
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';

export async function startEksFake(clusters: Record<string, EksFakeCluster>): Promise<EksFake> {
  const calls: EksFakeCall[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const named = /^\/clusters\/([^/]+)$/.exec(path);
      const cluster = named ? decodeURIComponent(named[1] ?? '') : undefined;
      const scope = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/eks\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(String(req.headers.authorization ?? ''));
      calls.push({ method: req.method ?? '', path, cluster, accessKeyId: scope?.[1], region: scope?.[2] });
      if (!scope) return reply(res, 403, 'MissingAuthenticationTokenException', { message: 'Missing Authentication Token' });
      if (req.method !== 'GET' || cluster === undefined) return reply(res, 404, 'UnknownOperationException', { message: `no operation for ${req.method} ${path}` });
      const found = clusters[cluster];
      if (!found) return reply(res, 404, 'ResourceNotFoundException', { message: `No cluster found for name: ${cluster}.`, clusterName: cluster });
      const region = scope[2] ?? '';
      return reply(res, 200, undefined, {
        cluster: {
          name: cluster,
          arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${cluster}`,
          createdAt: 1.7e9,
          version: '1.33',
          endpoint: found.endpoint,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`,
          certificateAuthority: { data: Buffer.from(found.caPem).toString('base64') },
          accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
          status: 'ACTIVE',
          platformVersion: 'eks.1',
          tags: {},
        },
      });
    });
  });
  return { calls, ...(await listenOnLoopback(server)) };
}

function reply(res: ServerResponse, code: number, errorType: string | undefined, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  res.writeHead(code, headers);
  res.end(text);
}

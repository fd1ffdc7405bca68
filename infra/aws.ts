// What registration reads from AWS: the stack's outputs and the webhook token's secret.
// Credentials come from the usual chain (env, profile, SSO, IMDS), as for the AWS CLI.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export async function describeStackOutputs(stackName: string, region: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient({ region });
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs: Record<string, string> = {};
    for (const output of Stacks?.[0]?.Outputs ?? []) {
      if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
    }
    return outputs;
  } finally {
    client.destroy();
  }
}

/**
 * Secrets Manager GetSecretValue as one signed JSON call (its SDK client is not a dependency).
 * The value is returned to the caller only; errors carry the status and AWS error type, never it.
 */
export async function readSecretString(secretId: string, region: string): Promise<string> {
  const hostname = `secretsmanager.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
  const signer = new SignatureV4({ credentials: defaultProvider(), region, service: 'secretsmanager', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'https:',
    hostname,
    path: '/',
    query: {},
    headers: {
      host: hostname,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body: JSON.stringify({ SecretId: secretId }),
  });
  const response = await fetch(`https://${hostname}/`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body as string,
    signal: AbortSignal.timeout(15_000),
  });
  const payload = (await response.json().catch(() => ({}))) as { SecretString?: string; __type?: string };
  if (!response.ok || typeof payload.SecretString !== 'string') {
    throw new Error(`reading the webhook token from Secrets Manager failed: HTTP ${response.status} ${payload.__type ?? ''}`.trim());
  }
  return payload.SecretString;
}

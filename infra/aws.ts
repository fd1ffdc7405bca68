// What registration reads from AWS: the stack's outputs and the webhook token's secret.
// Credentials come from the usual chain (env, profile, SSO, IMDS), as for the AWS CLI.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { credentialsFrom } from '../lib/aws/credentials.ts';
import { getSecretString } from '../lib/aws/secrets-manager.ts';

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

/** The webhook token's secret, by ARN (the stack output), through the function's own signed call. */
export async function readSecretString(secretArn: string): Promise<string> {
  return getSecretString({ secretArn, credentials: credentialsFrom(process.env), env: process.env, signal: AbortSignal.timeout(15_000) });
}

// AWS credentials for the signed calls Archy makes without an SDK client. Lambda puts the role's
// credentials in the environment, so a deployed function loads no provider code at all; elsewhere
// the SDK's standard chain (profile, SSO, container or instance role) is imported on first use.
import { namedOrDefault } from '../commonjs.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export function credentialsFrom(env: Record<string, string | undefined>): AwsCredentialProvider {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const credentials: AwsCredentials = { accessKeyId, secretAccessKey };
    if (env.AWS_SESSION_TOKEN) credentials.sessionToken = env.AWS_SESSION_TOKEN;
    return () => Promise.resolve(credentials);
  }
  let chain: Promise<AwsCredentialProvider> | undefined;
  return async () => {
    chain ??= import('@aws-sdk/credential-provider-node').then((module) => namedOrDefault(module).defaultProvider());
    return (await chain)();
  };
}

// The credentials one pod may use, as the kubelet would: its imagePullSecrets, or when it lists
// none, its service account's. Secrets are read lazily (first lookup that needs them), once per
// admission, in parallel. A secret that cannot be read becomes a warning and the lookup goes on
// anonymously: Archy fails open.
import type { Deadline } from '../deadline.ts';
import type { CredentialSource, RegistryCredential } from '../types.ts';
import type { KubeApi } from '../kube/kube-client.ts';
import { KubeError } from '../kube/kube-client.ts';
import { parsePullSecret } from './docker-config.ts';
import type { EcrCredentials } from './ecr.ts';
import { Keyring, type KeyringSource } from './keyring.ts';

export interface PodCredentialsOptions {
  kube?: KubeApi | (() => Promise<KubeApi>);
  namespace: string;
  /** Names from `spec.imagePullSecrets`. */
  imagePullSecrets?: string[];
  serviceAccountName?: string;
  ecr?: EcrCredentials;
  deadline: Deadline;
}

export type PodCredentials = CredentialSource & { readonly warnings: string[] };

export function createPodCredentials(options: PodCredentialsOptions): PodCredentials {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    if (!warnings.includes(message)) warnings.push(message);
  };
  const listed = unique(options.imagePullSecrets ?? []);
  let keyring: Promise<Keyring> | undefined;
  const loadKeyring = (): Promise<Keyring> => (keyring ??= buildKeyring(options, listed, warn));

  return {
    warnings,
    async credentialsFor(registry: string, repository: string): Promise<RegistryCredential[]> {
      if (options.ecr?.isEcr(registry)) {
        const iam = await ecrCredential(options.ecr, registry, options.deadline, warn);
        // With a working IAM credential the service-account fallback is not worth a Kubernetes
        // round trip; secrets the pod names itself are still honoured, after the IAM one.
        if (iam && listed.length === 0) return [iam];
        const secrets = (await loadKeyring()).lookup(registry, repository);
        return iam ? [iam, ...secrets.filter((c) => c.identity !== iam.identity)] : secrets;
      }
      return (await loadKeyring()).lookup(registry, repository);
    },
  };
}

async function ecrCredential(
  ecr: EcrCredentials,
  registry: string,
  deadline: Deadline,
  warn: (message: string) => void,
): Promise<RegistryCredential | undefined> {
  try {
    return await ecr.credentialFor(registry, deadline.signal);
  } catch (error) {
    warn(`${error instanceof Error ? error.message : 'ECR credentials unavailable'}; trying pull secrets`);
    return undefined;
  }
}

async function buildKeyring(options: PodCredentialsOptions, listed: string[], warn: (m: string) => void): Promise<Keyring> {
  const { namespace } = options;
  const kube = await resolveKube(options.kube);
  let names = listed;
  if (names.length === 0) {
    if (!kube) return new Keyring([]);
    const account = options.serviceAccountName || 'default';
    try {
      names = unique((await kube.getServiceAccount(namespace, account, options.deadline.signal)).imagePullSecrets);
    } catch (error) {
      // No warning for a missing service account: the pod named no secrets, so none are expected.
      if (!(error instanceof KubeError && (error.reason === 'NotFound' || error.reason === 'Unavailable'))) {
        warn(`service account ${namespace}/${account} could not be read (${describe(error)}); resolving anonymously`);
      }
      return new Keyring([]);
    }
  }
  if (names.length === 0) return new Keyring([]);
  if (!kube) {
    warn(`pull secrets ${names.map((n) => `${namespace}/${n}`).join(', ')} could not be read (no Kubernetes API access); resolving anonymously`);
    return new Keyring([]);
  }
  const sources = await Promise.all(names.map((name) => readSecret(kube, namespace, name, options.deadline, warn)));
  return new Keyring(sources.filter((source): source is KeyringSource => source !== undefined));
}

async function readSecret(
  kube: KubeApi,
  namespace: string,
  name: string,
  deadline: Deadline,
  warn: (message: string) => void,
): Promise<KeyringSource | undefined> {
  const secret = `${namespace}/${name}`;
  try {
    const { type, data } = await kube.getSecret(namespace, name, deadline.signal);
    return { secret, entries: parsePullSecret(type, data) };
  } catch (error) {
    if (error instanceof KubeError && error.reason === 'NotFound') {
      warn(`pull secret ${secret} not found; resolving anonymously`);
    } else if (error instanceof KubeError && error.reason === 'Forbidden') {
      warn(`pull secret ${secret} is not readable by Archy (forbidden); resolving anonymously`);
    } else if (error instanceof KubeError && error.reason === 'Unavailable') {
      warn(`pull secret ${secret} could not be read (no Kubernetes API access); resolving anonymously`);
    } else {
      warn(`pull secret ${secret} could not be used (${describe(error)}); resolving anonymously`);
    }
    return undefined;
  }
}

async function resolveKube(kube: PodCredentialsOptions['kube']): Promise<KubeApi | undefined> {
  if (kube === undefined) return undefined;
  if (typeof kube !== 'function') return kube;
  try {
    return await kube();
  } catch {
    return undefined;
  }
}

/** Our own error messages only: they never carry secret values. */
function describe(error: unknown): string {
  if (error instanceof KubeError) return error.reason;
  if (error instanceof Error && error.name === 'DockerConfigError') return error.message;
  return error instanceof Error ? error.name : 'unknown error';
}

function unique(names: string[]): string[] {
  return [...new Set(names.filter((name) => name !== ''))];
}

// The credentials one pod may use, as the kubelet would: its imagePullSecrets, or when it lists
// none, its service account's. Secrets are read lazily (first lookup that needs them), once per
// admission, in parallel. A secret that cannot be read becomes a warning and the lookup goes on
// anonymously: Archy fails open.
//
// `stagesFor` tells the resolver, without any I/O, how each registry is reached, so that a pod whose
// images are all cached never touches the Kubernetes API (nor loads its client library):
//   ECR host                 IAM (shared) → then the pod's secrets, or its service account's
//   pod names pull secrets   those secrets (scoped by namespace + secret names); none matching: anonymous
//   pod names none           anonymous (shared) → then its service account's secrets, only when
//                            anonymous was refused (the ServiceAccount admission plugin normally
//                            copies those into the pod before webhooks run, so this is rare)
import type { Deadline } from '../deadline.ts';
import type { CredentialSource, RegistryCredential } from '../types.ts';
import type { KubeApi } from '../kube/kube-client.ts';
import { KubeError } from '../kube/kube-client.ts';
import type { AccessStage, RegistryAccess } from '../resolver/access.ts';
import { parsePullSecret } from './docker-config.ts';
import type { EcrCredentials } from './ecr.ts';
import { Keyring, type KeyringSource } from './keyring.ts';
import { pullSecretScope, serviceAccountScope } from './scope.ts';

export interface PodCredentialsOptions {
  kube?: KubeApi | (() => Promise<KubeApi>);
  namespace: string;
  /** Names from `spec.imagePullSecrets`. */
  imagePullSecrets?: string[];
  serviceAccountName?: string;
  ecr?: EcrCredentials;
  deadline: Deadline;
}

export type PodCredentials = CredentialSource & RegistryAccess & { readonly warnings: string[] };

export function createPodCredentials(options: PodCredentialsOptions): PodCredentials {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    if (!warnings.includes(message)) warnings.push(message);
  };
  const { namespace } = options;
  const listed = unique(options.imagePullSecrets ?? []);
  const account = options.serviceAccountName || 'default';
  let named: Promise<Keyring> | undefined;
  let ofAccount: Promise<Keyring> | undefined;
  const namedKeyring = (): Promise<Keyring> => (named ??= readKeyring(options, listed, warn));
  const accountKeyring = (): Promise<Keyring> => (ofAccount ??= readAccountKeyring(options, account, warn));
  // What the kubelet would use: the pod's own list, else (as the admission plugin fills it) the account's.
  const podKeyring = listed.length > 0 ? namedKeyring : accountKeyring;

  return {
    warnings,
    async credentialsFor(registry: string, repository: string): Promise<RegistryCredential[]> {
      if (options.ecr?.isEcr(registry)) {
        const iam = await ecrCredential(options.ecr, registry, options.deadline, warn);
        // With a working IAM credential the service-account fallback is not worth a Kubernetes
        // round trip; secrets the pod names itself are still honoured, after the IAM one.
        if (iam && listed.length === 0) return [iam];
        const secrets = (await podKeyring()).lookup(registry, repository);
        return iam ? [iam, ...secrets.filter((c) => c.identity !== iam.identity)] : secrets;
      }
      return (await podKeyring()).lookup(registry, repository);
    },
    stagesFor(registry: string, repository: string): AccessStage[] {
      const fromKeyring = (keyring: () => Promise<Keyring>) => async (): Promise<RegistryCredential[]> =>
        (await keyring()).lookup(registry, repository);
      const ecr = options.ecr?.isEcr(registry) ? options.ecr : undefined;
      let secrets: AccessStage | undefined;
      if (listed.length > 0) {
        // Read with the first cache read unless IAM usually answers first (ECR).
        secrets = { kind: 'scoped', scope: pullSecretScope(namespace, listed), readFirst: !ecr, credentials: fromKeyring(namedKeyring) };
      } else if (options.kube !== undefined) {
        secrets = { kind: 'scoped', scope: serviceAccountScope(namespace, account), readFirst: false, credentials: fromKeyring(accountKeyring) };
      }
      const shared: AccessStage = ecr
        ? { kind: 'shared', credentials: async () => {
            const iam = await ecrCredential(ecr, registry, options.deadline, warn);
            return iam ? [iam] : [];
          } }
        : { kind: 'shared', credentials: () => Promise.resolve([]) };
      if (!ecr && listed.length > 0 && secrets) return [secrets];
      return secrets ? [shared, secrets] : [shared];
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

/** The service account's pull secrets. No warning for a missing account: none were expected. */
async function readAccountKeyring(options: PodCredentialsOptions, account: string, warn: (m: string) => void): Promise<Keyring> {
  const { namespace } = options;
  const kube = await resolveKube(options.kube);
  if (!kube) return new Keyring([]);
  let names: string[];
  try {
    names = unique((await kube.getServiceAccount(namespace, account, options.deadline.signal)).imagePullSecrets);
  } catch (error) {
    if (!(error instanceof KubeError && (error.reason === 'NotFound' || error.reason === 'Unavailable'))) {
      warn(`service account ${namespace}/${account} could not be read (${describe(error)}); resolving anonymously`);
    }
    return new Keyring([]);
  }
  return readKeyring(options, names, warn, kube);
}

async function readKeyring(options: PodCredentialsOptions, names: string[], warn: (m: string) => void, known?: KubeApi): Promise<Keyring> {
  const { namespace } = options;
  if (names.length === 0) return new Keyring([]);
  const kube = known ?? (await resolveKube(options.kube));
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

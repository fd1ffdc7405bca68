// How a pod reaches a registry, as the resolver needs to know it BEFORE any I/O: which cache keys
// may already hold its answer, and, only on a miss, which credentials to present. Reading
// credentials (pull secrets: the Kubernetes API) is the expensive part, so it stays behind
// `credentials()` and is called only when the cache cannot answer.
import type { CredentialSource, RegistryCredential } from '../types.ts';

/** One way of asking the registry, tried in order (as the kubelet would). */
export type AccessStage =
  | {
      /** The function's own access (anonymous, or ECR IAM): the answer is the same for every pod. */
      kind: 'shared';
      credentials(): Promise<RegistryCredential[]>;
    }
  | {
      /** The pod's own pull secrets: answers are cached under `scope` and read by that scope only. */
      kind: 'scoped';
      /**
       * Known without I/O (namespace + secret or service-account names, hashed). Undefined: the
       * scope is the first credential's identity, known only once the credentials are read.
       */
      scope: string | undefined;
      /** Worth reading with the first cache read (likely to be used; absent keys cost a shared-tier read). */
      readFirst: boolean;
      credentials(): Promise<RegistryCredential[]>;
    };

/** Per-pod access to registries. `createPodCredentials` provides it; any CredentialSource is adapted. */
export interface RegistryAccess {
  stagesFor(registry: string, repository: string): AccessStage[];
}

export function hasStages(source: CredentialSource | RegistryAccess): source is RegistryAccess {
  return typeof (source as Partial<RegistryAccess>).stagesFor === 'function';
}

/**
 * A plain CredentialSource as one scoped stage whose scope is the credential identity (known only
 * after the credentials are read). Without credentials the lookup is anonymous and shared.
 */
export function accessFromSource(source: CredentialSource): RegistryAccess {
  return {
    stagesFor: (registry, repository) => [
      { kind: 'scoped', scope: undefined, readFirst: false, credentials: () => source.credentialsFor(registry, repository) },
    ],
  };
}

export const anonymousAccess: RegistryAccess = {
  stagesFor: () => [{ kind: 'shared', credentials: () => Promise.resolve([]) }],
};

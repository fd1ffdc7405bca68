// Cache scopes known before any I/O: who may read a private answer. A scope names where the
// credentials come from (namespace and secret or service-account names), never their content, so
// it is computed from the pod alone; the namespace in it keeps one tenant's answers from another.
import { credentialIdentity } from './keyring.ts';

/** The scope of answers obtained with the pod's own `imagePullSecrets` (order does not matter). */
export function pullSecretScope(namespace: string, secretNames: readonly string[]): string {
  const names = [...new Set(secretNames)].sort();
  return credentialIdentity(['pull-secrets', namespace, ...names].join('\n'));
}

/** The scope of answers obtained with a service account's pull secrets. */
export function serviceAccountScope(namespace: string, serviceAccount: string): string {
  return credentialIdentity(['service-account', namespace, serviceAccount].join('\n'));
}

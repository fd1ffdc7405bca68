// Secret values a lookup handles, and the last line of defence that keeps them out of messages.
import type { RegistryCredential } from '../types.ts';

/** The forms a credential could be echoed in: as it is, and inside a Basic header. */
export function credentialSecrets(credentials: readonly RegistryCredential[]): Set<string> {
  const secrets = new Set<string>();
  for (const credential of credentials) {
    if (credential.kind === 'identitytoken') {
      secrets.add(credential.token);
    } else {
      secrets.add(credential.password);
      secrets.add(basicValue(credential.username, credential.password));
    }
  }
  return secrets;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${basicValue(username, password)}`;
}

function basicValue(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

const MIN_SECRET_LENGTH = 4;

/** `text` with every secret of the session replaced; a last line of defence, messages carry no registry text. */
export function redact(text: string, secrets: ReadonlySet<string>): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) clean = clean.replaceAll(secret, '[redacted]');
  }
  return clean;
}

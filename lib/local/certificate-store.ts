// The local server's self-signed certificate, kept on disk (`.archy/` by default) so that a dev
// cluster's caBundle stays valid across restarts. It is made again only when it is missing, does
// not match its key, lacks one of the names the server needs, or has less than a week left.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.ts';

export const RENEW_WITHIN_MS = 7 * 86400_000;
const ATTEMPTS = 3;

export interface CertificateNames {
  dnsNames: string[];
  ipAddresses: string[];
}

export interface StoredCertificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** Whether the certificate on disk was used as it was (false: made at this start). */
  reused: boolean;
  validTo: Date;
}

/** The certificate `dir` holds when it serves `names` for another week, else a new one written there. */
export async function storedCertificate(dir: string, names: CertificateNames, now: () => number = Date.now): Promise<StoredCertificate> {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const existing = await readUsable(certFile, keyFile, names, now());
  if (existing) return { ...existing, certFile, keyFile, reused: true };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  let made = await selfSignedCertificate(names.dnsNames, names.ipAddresses);
  // Another local server starting at the same moment may write its own pair over this one; the
  // pair read back is the one served, so the files and the printed caBundle always agree.
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    await writeAtomically(keyFile, made.key, 0o600);
    await writeAtomically(certFile, made.cert, 0o644);
    const written = await readUsable(certFile, keyFile, names, now());
    if (written) return { ...written, certFile, keyFile, reused: false };
    made = await selfSignedCertificate(names.dnsNames, names.ipAddresses);
  }
  throw new Error(`could not keep a certificate in ${dir}: another process keeps replacing it`);
}

/** The names the local server's certificate must carry when it listens on `host`. */
export function certificateNames(host: string, machineName: string): CertificateNames {
  const dnsNames = ['localhost', 'host.docker.internal', machineName];
  const ipAddresses = ['127.0.0.1', '::1'];
  if (isIP(host) !== 0) {
    if (!isWildcard(host)) ipAddresses.push(host);
  } else {
    dnsNames.push(host.toLowerCase());
  }
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] };
}

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

async function readUsable(certFile: string, keyFile: string, names: CertificateNames, now: number): Promise<{ cert: string; key: string; validTo: Date } | undefined> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  } catch {
    return undefined;
  }
  try {
    const x509 = new X509Certificate(cert);
    const validTo = new Date(x509.validTo);
    const publicKey = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
    const matchesKey = x509.publicKey.export({ type: 'spki', format: 'der' }).equals(publicKey);
    const coversNames = names.dnsNames.every((name) => x509.checkHost(name, { subject: 'never' }) !== undefined)
      && names.ipAddresses.every((ip) => x509.checkIP(ip) !== undefined);
    if (!matchesKey || !coversNames || validTo.getTime() - now < RENEW_WITHIN_MS || new Date(x509.validFrom).getTime() > now) return undefined;
    return { cert, key, validTo };
  } catch {
    return undefined;
  }
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, file);
}

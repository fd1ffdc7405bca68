// A self-signed certificate for the local HTTPS server (and the test harnesses that need TLS).
import { generate } from 'selfsigned';

export async function selfSignedCertificate(dnsNames: string[], ipAddresses: string[] = [], validDays = 365): Promise<{ cert: string; key: string }> {
  const notAfter = new Date(Date.now() + validDays * 86400_000);
  const pems = await generate([{ name: 'commonName', value: dnsNames[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), ...ipAddresses.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

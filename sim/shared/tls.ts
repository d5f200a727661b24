/**
 * Generates a throw-away CA and a server certificate for 127.0.0.1/localhost signed by it, so clients can be
 * tested with certificate verification on (CA bundle), as against a real SEPM with its self-signed CA. Shared by
 * both simulators. EC P-256 keys: generation takes milliseconds instead of the ~1 s of RSA 2048.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface SimTls {
  caPem: string;
  caFile: string;
  key: string;
  cert: string;
  cleanup(): void;
}

export async function generateTls(name = 'sepm-intake simulator'): Promise<SimTls> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 30 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: `${name} CA` }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert, { mode: 0o600 });
  return {
    caPem: ca.cert,
    caFile,
    key: server.private,
    cert: server.cert,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

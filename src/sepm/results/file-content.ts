import { unzipSync } from 'fflate';
import { AppError, ErrorCodes } from '../../shared/errors.ts';

/**
 * Decodes SEPM's file download (docs/reference/sepm-rest-api.md §9 File download): a zip with exactly a member named after the file's hash
 * (32/40/64 hex) and `metadata.xml` whose `<File Key="N"/>` gives the one-byte XOR key. Pure; the decoded
 * (possibly malicious) bytes stay in memory and are returned as base64, never written to disk.
 */

export interface DecodedFile {
  /** Name of the hash-named member (the file's MD5/SHA-1/SHA-256). */
  hash: string;
  key: number;
  bytes: Buffer;
}

function formatError(message: string): AppError {
  return new AppError(ErrorCodes.SEPM_FILE_FORMAT, `SEPM file download: ${message}`, { retryable: false });
}

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

function isHashName(name: string): boolean {
  return /^[0-9a-fA-F]+$/.test(name) && [32, 40, 64].includes(name.length);
}

export function xorKeyFromMetadata(xml: string): number {
  const m = /<File\b[^>]*?\bKey\s*=\s*["'](\d{1,3})["']/i.exec(xml);
  const key = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(key) || key < 0 || key > 255) throw formatError('metadata.xml has no one-byte <File Key="N"/>');
  return key;
}

export function decodeSepmFileZip(zip: Uint8Array, maxBytes: number): DecodedFile {
  if (zip.length < 4 || zip[0] !== 0x50 || zip[1] !== 0x4b || zip[2] !== 0x03 || zip[3] !== 0x04) {
    throw formatError('answer is not a zip archive');
  }
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(zip, {
      filter: (f) => {
        // Refuse zip bombs before inflating: the declared size is checked against the cap.
        if (f.originalSize > maxBytes) throw formatError(`member ${f.name} is larger than ${maxBytes} bytes`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw formatError(`unreadable zip (${(err as Error).message})`);
  }
  const names = Object.keys(members).filter((n) => !n.endsWith('/'));
  const metaName = names.find((n) => baseName(n).toLowerCase() === 'metadata.xml');
  const dataName = names.find((n) => isHashName(baseName(n)));
  if (names.length !== 2 || !metaName || !dataName) {
    throw formatError(`expected a hash-named member and metadata.xml, got [${names.join(', ')}]`);
  }
  const key = xorKeyFromMetadata(Buffer.from(members[metaName] as Uint8Array).toString('utf8'));
  const data = members[dataName] as Uint8Array;
  if (data.length > maxBytes) throw formatError(`file is larger than ${maxBytes} bytes`);
  const bytes = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = (data[i] as number) ^ key;
  return { hash: baseName(dataName), key, bytes };
}

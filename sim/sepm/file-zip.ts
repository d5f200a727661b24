/**
 * Uploaded-file download format of SEPM: a zip holding the payload XOR-ed with a one-byte key under a member
 * named after the file's hash, plus metadata.xml carrying `<File Key="N" .../>`.
 */
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import type { SimStoredFile } from './types.ts';

export function xorBytes(data: Uint8Array, key: number): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) ^ key;
  return out;
}

export function fileZip(file: SimStoredFile): Buffer {
  const meta =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Metadata>\n` +
    `  <File Key="${file.key}" Name="${file.hashName}" Size="${file.content.length}"/>\n</Metadata>\n`;
  const zip = zipSync({
    [file.hashName]: new Uint8Array(xorBytes(file.content, file.key)),
    'metadata.xml': new TextEncoder().encode(meta),
  });
  return Buffer.from(zip);
}

/** GET /command-queue/file/{id}/details body; checksum is the upper-case MD5 of the payload. */
export function fileDetails(file: SimStoredFile): { id: string; fileSize: number; checksum: string } {
  const checksum = createHash('md5').update(file.content).digest('hex').toUpperCase();
  return { id: file.id, fileSize: file.content.length, checksum };
}

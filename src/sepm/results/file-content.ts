import { crc32, inflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { entryData, readZipDirectory, TooManyEntries, unsafeName, type ZipEntry } from './zip-directory.ts';

/**
 * Decodes SEPM's file download (docs/reference/sepm-rest-api.md §9 File download): a zip with exactly a member named after the file's hash
 * (32/40/64 hex) and `metadata.xml` whose `<File Key="N"/>` gives the one-byte XOR key. The decoded (possibly
 * malicious) bytes stay in memory and are returned as base64, never written to disk.
 *
 * The zip comes from the network, so it is judged before anything is inflated: member count, names and declared
 * sizes from the central directory; then only the two expected members are inflated, off the event loop (zlib on
 * the libuv thread pool), each with a hard cap on its *actual* output. 16 members × 100 MiB of zeros once took
 * RSS from 216 to 1,761 MiB and froze `/healthz` for 4.7 s.
 */

export interface DecodedFile {
  /** Name of the hash-named member (the file's MD5/SHA-1/SHA-256). */
  hash: string;
  key: number;
  bytes: Buffer;
}

/** Most central-directory entries accepted: the two members plus a few folder entries. */
export const MAX_ZIP_MEMBERS = 8;
/** Largest metadata.xml accepted, bytes (SEPM's is a few hundred). */
export const MAX_METADATA_BYTES = 64 * 1024;
/** XOR decoding yields to the event loop after each slice of this many bytes. */
const XOR_SLICE_BYTES = 4 * 1024 * 1024;

const inflateRawAsync = promisify(inflateRaw);

function formatError(message: string): AppError {
  return new AppError(ErrorCodes.SEPM_FILE_FORMAT, `SEPM file download: ${message}`, { retryable: false });
}

function unsafeError(message: string): AppError {
  return new AppError(ErrorCodes.SEPM_FILE_UNSAFE, `SEPM file download refused: ${message}`, { retryable: false });
}

function baseName(name: string): string {
  return name.split('/').pop() ?? name;
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

function directory(zip: Buffer): ZipEntry[] {
  try {
    return readZipDirectory(zip, MAX_ZIP_MEMBERS);
  } catch (err) {
    if (err instanceof TooManyEntries) throw unsafeError(`${err.count} members (at most ${MAX_ZIP_MEMBERS})`);
    throw formatError(`unreadable zip (${(err as Error).message})`);
  }
}

/** Picks the two expected members after checking every name and the declared sizes (nothing inflated yet). */
function expectedMembers(entries: ZipEntry[], maxBytes: number): { meta: ZipEntry; data: ZipEntry } {
  for (const e of entries) {
    const why = unsafeName(e.name);
    if (why) throw unsafeError(`${why}: ${JSON.stringify(e.name)}`);
    if (e.flags & 1) throw unsafeError(`member ${e.name} is encrypted`);
  }
  const files = entries.filter((e) => !e.name.endsWith('/'));
  const meta = files.find((e) => baseName(e.name).toLowerCase() === 'metadata.xml');
  const data = files.find((e) => isHashName(baseName(e.name)));
  if (files.length !== 2 || !meta || !data) {
    throw formatError(`expected a hash-named member and metadata.xml, got [${files.map((e) => e.name).join(', ')}]`);
  }
  const declared = entries.reduce((sum, e) => sum + e.size, 0);
  if (declared > maxBytes + MAX_METADATA_BYTES) throw unsafeError(`members declare ${declared} bytes in total`);
  if (meta.size > MAX_METADATA_BYTES) throw unsafeError(`metadata.xml is larger than ${MAX_METADATA_BYTES} bytes`);
  if (data.size > maxBytes) throw unsafeError(`member ${data.name} is larger than ${maxBytes} bytes`);
  return { meta, data };
}

/** Inflates one member, never past its declared size (a lying header stops at the cap), and checks its CRC. */
async function inflateMember(zip: Buffer, e: ZipEntry): Promise<Buffer> {
  const raw = entryFor(zip, e);
  let out: Buffer;
  if (e.method === 0) {
    out = raw;
  } else if (e.method === 8) {
    try {
      out = await inflateRawAsync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw unsafeError(`member ${e.name} inflates past its declared ${e.size} bytes`);
      }
      throw formatError(`member ${e.name} does not inflate (${(err as Error).message})`);
    }
  } else {
    throw unsafeError(`member ${e.name} uses compression method ${e.method}`);
  }
  if (out.length !== e.size) throw unsafeError(`member ${e.name} is ${out.length} bytes, declared ${e.size}`);
  if (crc32(out) >>> 0 !== e.crc32 >>> 0) throw formatError(`member ${e.name} fails its CRC-32 check`);
  return out;
}

function entryFor(zip: Buffer, e: ZipEntry): Buffer {
  try {
    return entryData(zip, e);
  } catch (err) {
    throw formatError((err as Error).message);
  }
}

/** XORs in slices, yielding between them, so a 100 MiB file does not hold the event loop for its whole length. */
async function xorDecode(data: Buffer, key: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(data.length);
  for (let start = 0; start < data.length; start += XOR_SLICE_BYTES) {
    const end = Math.min(data.length, start + XOR_SLICE_BYTES);
    for (let i = start; i < end; i++) bytes[i] = (data[i] as number) ^ key;
    if (end < data.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return bytes;
}

export async function decodeSepmFileZip(zip: Uint8Array, maxBytes: number): Promise<DecodedFile> {
  if (zip.length < 4 || zip[0] !== 0x50 || zip[1] !== 0x4b || zip[2] !== 0x03 || zip[3] !== 0x04) {
    throw formatError('answer is not a zip archive');
  }
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
  const { meta, data } = expectedMembers(directory(buf), maxBytes);
  const key = xorKeyFromMetadata((await inflateMember(buf, meta)).toString('utf8'));
  const bytes = await xorDecode(await inflateMember(buf, data), key);
  return { hash: baseName(data.name), key, bytes };
}

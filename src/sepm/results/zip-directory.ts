/**
 * Reads a zip's central directory (PKWARE APPNOTE §4.3.12/§4.3.16) without inflating anything, so a download can
 * be judged by its member count, names and declared sizes before a single byte is decompressed. Pure; throws
 * plain Errors whose message the caller wraps into its own error code.
 */

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate (the only two accepted). */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  /** Declared uncompressed size, bytes: a claim to check, not a fact. */
  size: number;
  localHeaderOffset: number;
}

/** The archive has more members than the caller accepts (read from the EOCD record, before any entry). */
export class TooManyEntries extends Error {
  readonly count: number;
  constructor(count: number) {
    super(`${count} members`);
    this.count = count;
  }
}

const EOCD_SIG = 0x06054b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;
const EOCD_MIN = 22;
/** The EOCD record ends the file, followed at most by a 65,535-byte comment. */
const EOCD_SEARCH = EOCD_MIN + 0xffff;

function findEocd(zip: Buffer): number {
  const stop = Math.max(0, zip.length - EOCD_SEARCH);
  for (let i = zip.length - EOCD_MIN; i >= stop; i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) return i;
  }
  throw new Error('no end-of-central-directory record');
}

/**
 * The central directory's entries; refuses more than `maxEntries` before reading any (the count is in the EOCD
 * record), ZIP64 archives (a SEPM file under the cap never needs one) and records that run past the buffer.
 */
export function readZipDirectory(zip: Buffer, maxEntries: number): ZipEntry[] {
  const eocd = findEocd(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new Error('ZIP64 is not accepted');
  if (count > maxEntries) throw new TooManyEntries(count);
  if (cdOffset + cdSize > eocd) throw new Error('central directory runs past its end record');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || zip.readUInt32LE(p) !== CDH_SIG) throw new Error(`central directory entry ${i} is damaged`);
    const nameLen = zip.readUInt16LE(p + 28);
    const skip = nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (p + 46 + skip > eocd) throw new Error(`central directory entry ${i} runs past the directory`);
    entries.push({
      flags: zip.readUInt16LE(p + 8),
      method: zip.readUInt16LE(p + 10),
      crc32: zip.readUInt32LE(p + 16),
      compressedSize: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      localHeaderOffset: zip.readUInt32LE(p + 42),
      name: zip.toString('latin1', p + 46, p + 46 + nameLen),
    });
    p += 46 + skip;
  }
  return entries;
}

/** The compressed bytes of one entry, located through its local header (whose own sizes may be zero). */
export function entryData(zip: Buffer, e: ZipEntry): Buffer {
  const p = e.localHeaderOffset;
  if (p + 30 > zip.length || zip.readUInt32LE(p) !== LFH_SIG) throw new Error(`local header of ${e.name} is damaged`);
  const start = p + 30 + zip.readUInt16LE(p + 26) + zip.readUInt16LE(p + 28);
  const end = start + e.compressedSize;
  if (end > zip.length) throw new Error(`data of ${e.name} runs past the archive`);
  return zip.subarray(start, end);
}

/**
 * Why a member name is unsafe, or null: traversal (`..`), absolute paths or drive letters, backslashes, control
 * characters. The bytes are never written to disk, but a name like that is not what SEPM writes, so fail closed.
 */
export function unsafeName(name: string): string | null {
  if (name === '') return 'empty name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute name';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\x00-\x1f\x7f]/.test(name)) return 'control character in name';
  if (name.split('/').some((seg) => seg === '..' || seg === '.')) return 'relative path segment in name';
  return null;
}

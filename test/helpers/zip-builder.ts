import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

/**
 * Hand-built zip archives for hostile-input tests: members may declare any size, so lying central directories
 * and zip bombs can be made without ever holding the inflated bytes in memory.
 */
export interface RawMember {
  name: string;
  /** Raw deflate stream (method 8) or stored bytes (method 0). */
  data: Buffer;
  method?: 0 | 8;
  /** Declared uncompressed size, bytes. */
  size: number;
  crc: number;
  flags?: number;
}

function localHeader(m: RawMember, name: Buffer): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(m.flags ?? 0, 6);
  h.writeUInt16LE(m.method ?? 8, 8);
  h.writeUInt32LE(m.crc >>> 0, 14);
  h.writeUInt32LE(m.data.length, 18);
  h.writeUInt32LE(m.size, 22);
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name]);
}

function centralHeader(m: RawMember, name: Buffer, offset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(m.flags ?? 0, 8);
  h.writeUInt16LE(m.method ?? 8, 10);
  h.writeUInt32LE(m.crc >>> 0, 16);
  h.writeUInt32LE(m.data.length, 20);
  h.writeUInt32LE(m.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, name]);
}

export function buildZip(members: RawMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'latin1');
    centrals.push(centralHeader(m, name, offset));
    const local = localHeader(m, name);
    locals.push(local, m.data);
    offset += local.length + m.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Raw deflate of `mib` MiB of zeros and its CRC-32, streamed from one 1 MiB buffer (never `mib` MiB at once). */
export async function deflatedZeros(mib: number): Promise<{ data: Buffer; crc: number; size: number }> {
  const chunk = Buffer.alloc(1 << 20);
  const z = createDeflateRaw({ level: 1 });
  const parts: Buffer[] = [];
  z.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  let crc = 0;
  for (let i = 0; i < mib; i++) {
    crc = crc32(chunk, crc);
    if (!z.write(chunk)) await new Promise((resolve) => z.once('drain', resolve));
  }
  z.end();
  await done;
  return { data: Buffer.concat(parts), crc, size: mib * (1 << 20) };
}

/** Raw deflate of a small buffer, with its CRC-32 and size. */
export function deflated(bytes: Buffer): { data: Buffer; crc: number; size: number } {
  return { data: deflateRawSync(bytes), crc: crc32(bytes), size: bytes.length };
}

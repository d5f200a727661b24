import ipaddr from 'ipaddr.js';
import { AppError, ErrorCodes } from '../shared/errors.ts';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/** One compiled IP entry: [first, last] as byte arrays of one family (4 or 16 bytes), compared lexicographically. */
interface IpRange {
  rule: string;
  v4: boolean;
  first: number[];
  last: number[];
}

/**
 * Parses one address strictly: IPv4 only in four-part decimal (ipaddr.js would otherwise accept `10.1` or
 * `0x0a.0.0.1`, which SEPM never writes), IPv6 with an optional zone id, IPv4-mapped IPv6 turned into IPv4 so
 * `::ffff:10.1.2.3` and `10.1.2.3` are the same value. Returns null when the text is not an address.
 */
export function parseIp(text: string): Addr | null {
  const t = text.trim().replace(/^\[(.*)\]$/, '$1');
  const v4 = v4Bytes(t);
  if (v4) return new ipaddr.IPv4(v4);
  // ipaddr.js validates by throwing and catching internally: only hand it text that can be IPv6.
  if (!t.includes(':') || !ipaddr.IPv6.isValid(t)) return null;
  const v6 = ipaddr.IPv6.parse(t);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

const V4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * The address as bytes (4 for IPv4, incl. mapped IPv6; 16 for IPv6), or null. IPv4 takes a fast path without
 * ipaddr.js objects: it is the common value in SEPM mails and this runs per artifact.
 */
export function ipBytes(text: string): number[] | null {
  const t = text.trim();
  return V4.test(t) ? v4Bytes(t) : (parseIp(t)?.toByteArray() ?? null);
}

function v4Bytes(t: string): number[] | null {
  const m = V4.exec(t);
  if (!m) return null;
  const bytes = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  return bytes.every((b) => b <= 255) ? bytes : null;
}

const toUint32 = (b: number[]): number =>
  (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0;

function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function cidrRange(addr: Addr, bits: number): { first: number[]; last: number[] } {
  const bytes = addr.toByteArray();
  const first = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8)); // bits of this byte that belong to the prefix
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  const last = first.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return b | (0xff >> keep);
  });
  return { first, last };
}

type Compiled = Omit<IpRange, 'rule'>;
const SHAPE = 'not an IPv4/IPv6 address, CIDR or a-b range';

function parseCidr(entry: string): Compiled | string {
  const m = /^(.+)\/(\d{1,3})$/.exec(entry);
  if (!m) return SHAPE;
  const raw = (m[1] as string).trim();
  let bits = Number(m[2]);
  let addr: Addr;
  const v4raw = v4Bytes(raw);
  if (v4raw) addr = new ipaddr.IPv4(v4raw);
  else if (raw.includes(':') && ipaddr.IPv6.isValid(raw)) addr = ipaddr.IPv6.parse(raw);
  else return `${JSON.stringify(raw)} is not an IP address`;
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    // ::ffff:a.b.c.d/104 is the IPv4 /8 — normalise so it matches IPv4 values.
    if (bits < 96) return 'an IPv4-mapped prefix must be /96 or longer';
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const v4 = addr.kind() === 'ipv4';
  if (bits > (v4 ? 32 : 128)) return `prefix length /${bits} is too long for ${v4 ? 'IPv4' : 'IPv6'}`;
  return { ...cidrRange(addr, bits), v4 };
}

function compileEntry(entry: string): Compiled | string {
  const e = entry.trim();
  if (e === '') return 'empty entry';
  if (e.includes('/')) return parseCidr(e);
  const dash = e.indexOf('-');
  if (dash > 0) {
    const a = parseIp(e.slice(0, dash));
    const b = parseIp(e.slice(dash + 1));
    if (!a || !b) return SHAPE;
    if (a.kind() !== b.kind()) return 'both ends of a range must be IPv4 or both IPv6';
    const first = a.toByteArray();
    const last = b.toByteArray();
    if (compareBytes(first, last) > 0) return 'the range starts after it ends';
    return { first, last, v4: a.kind() === 'ipv4' };
  }
  const a = parseIp(e);
  if (!a) return SHAPE;
  return { first: a.toByteArray(), last: a.toByteArray(), v4: a.kind() === 'ipv4' };
}

export function invalidEntry(listName: string, index: number, entry: string, why: string): AppError {
  return new AppError(ErrorCodes.WHITELIST_ENTRY_INVALID, `${listName}[${index}] ${JSON.stringify(entry)}: ${why}`, {
    details: { list: listName, index, entry },
  });
}

/**
 * Compiles IP entries (single address, CIDR `10.0.0.0/8` / `2001:db8::/32`, range `10.0.0.1-10.0.0.9`) into a
 * matcher returning the matching rule (`<listName>: <entry>`) or null. Throws WHITELIST_ENTRY_INVALID naming the
 * first bad entry. Values that are not IP addresses never match.
 */
export function ipMatcher(entries: string[], listName: string): (value: string) => string | null {
  const ranges: IpRange[] = entries.map((entry, i) => {
    const r = compileEntry(entry);
    if (typeof r === 'string') throw invalidEntry(listName, i, entry, r);
    return { ...r, rule: `${listName}: ${entry.trim()}` };
  });
  // IPv4 ranges as unsigned 32-bit integers: one comparison pair per entry instead of byte loops.
  const v4 = ranges.filter((r) => r.v4).map((r) => ({ lo: toUint32(r.first), hi: toUint32(r.last), rule: r.rule }));
  const v6 = ranges.filter((r) => !r.v4);
  return (value: string) => {
    if (ranges.length === 0) return null;
    const bytes = ipBytes(value);
    if (!bytes) return null;
    if (bytes.length === 4) {
      const n = toUint32(bytes);
      for (const r of v4) if (n >= r.lo && n <= r.hi) return r.rule;
      return null;
    }
    for (const r of v6) if (compareBytes(bytes, r.first) >= 0 && compareBytes(bytes, r.last) <= 0) return r.rule;
    return null;
  };
}

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes for http.users: `scrypt$N$r$p$salt$hash` (salt and hash base64). N=2^15, r=8, p=1 takes
 * ~50-100 ms per check on a server core — slow enough for guessing, fast enough for a login form.
 */

const KEY_LEN = 32;
export const DEFAULT_SCRYPT = { N: 32768, r: 8, p: 1 } as const;

function derive(password: string, salt: Buffer, opts: ScryptOptions, keyLen: number): Promise<Buffer> {
  // maxmem: scrypt needs 128 * N * r bytes; leave headroom above the 32 MB default.
  const maxmem = 256 * (opts.N ?? 16384) * (opts.r ?? 8) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, { ...opts, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = DEFAULT_SCRYPT) {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params, KEY_LEN);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export function parsePasswordHash(stored: string): ParsedHash | undefined {
  const parts = stored.trim().split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid = (n: number) => Number.isInteger(n) && n > 0;
  // N must be a power of two; bounded so a hostile config cannot make every login allocate gigabytes.
  if (!valid(N) || !valid(r) || !valid(p) || (N & (N - 1)) !== 0 || N > 2 ** 20 || r > 32 || p > 16) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { N, r, p, salt, hash };
}

/** Constant-time comparison of the derived key; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, { N: parsed.N, r: parsed.r, p: parsed.p }, parsed.hash.length);
  return timingSafeEqual(key, parsed.hash);
}

/** Constant-time string comparison for bearer tokens (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = Buffer.from(a, 'utf8');
  const hb = Buffer.from(b, 'utf8');
  const len = Math.max(ha.length, hb.length, 1);
  const pa = Buffer.alloc(len);
  const pb = Buffer.alloc(len);
  ha.copy(pa);
  hb.copy(pb);
  return timingSafeEqual(pa, pb) && ha.length === hb.length;
}

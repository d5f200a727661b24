import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, safeEqual, verifyPassword } from '../../../../src/http/auth/password.ts';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('produces scrypt$N$r$p$salt$hash that verifies the right password only', async () => {
    const h = await hashPassword('correct horse', FAST);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsE', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    // A fresh salt each time.
    expect(await hashPassword('correct horse', FAST)).not.toBe(h);
  });

  it('uses N=32768 by default', async () => {
    expect(parsePasswordHash(await hashPassword('pw-default'))?.N).toBe(32768);
  });

  it('never matches malformed or hostile stored hashes', async () => {
    const good = await hashPassword('pw', FAST);
    const parts = good.split('$');
    const variants = [
      '',
      'plain-text-password',
      parts.slice(0, 5).join('$'),
      ['bcrypt', ...parts.slice(1)].join('$'),
      ['scrypt', '1000', ...parts.slice(2)].join('$'), // N not a power of two
      ['scrypt', String(2 ** 24), ...parts.slice(2)].join('$'), // memory bomb
      ['scrypt', '1024', '8', '1', '', parts[5]].join('$'),
    ];
    for (const v of variants) expect(await verifyPassword('pw', v), v).toBe(false);
  });

  it('compares tokens in constant time, including different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('abc\u0000', 'abc')).toBe(false);
  });
});

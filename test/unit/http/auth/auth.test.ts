import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpSchema } from '../../../../src/config/schema.ts';
import { Credentials, limiterKey } from '../../../../src/http/auth/auth.ts';
import { hashPassword } from '../../../../src/http/auth/password.ts';

describe('credentials', () => {
  it('checks users (also from passwordHashFile) and tokens with their roles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-'));
    const file = join(dir, 'hash');
    writeFileSync(file, `${await hashPassword('file-pw', { N: 1024, r: 8, p: 1 })}\n`);
    const cfg = httpSchema.parse({
      users: [
        { name: 'op', passwordHash: await hashPassword('op-pw', { N: 1024, r: 8, p: 1 }), role: 'operator' },
        { name: 'ro', passwordHashFile: file },
      ],
      tokens: [{ name: 'ci', token: 'x'.repeat(20), role: 'operator' }],
    });
    const c = new Credentials(cfg);
    await c.init();
    expect(await c.checkPassword('op', 'op-pw')).toEqual({ name: 'op', role: 'operator', via: 'basic' });
    expect(await c.checkPassword('ro', 'file-pw')).toEqual({ name: 'ro', role: 'readonly', via: 'basic' });
    expect(await c.checkPassword('op', 'file-pw')).toBeUndefined();
    expect(await c.checkPassword('nobody', 'op-pw')).toBeUndefined();
    expect(c.checkToken('x'.repeat(20))).toEqual({ name: 'ci', role: 'operator', via: 'bearer' });
    expect(c.checkToken('x'.repeat(19))).toBeUndefined();
  });

  it('refuses short tokens and users without a hash at start-up', () => {
    expect(
      () => new Credentials(httpSchema.parse({ tokens: [{ name: 't', token: 'short', role: 'readonly' }] })),
    ).toThrow(/too short/);
    expect(() => new Credentials(httpSchema.parse({ users: [{ name: 'u' }] }))).toThrow(/passwordHash/);
    expect(
      () => new Credentials(httpSchema.parse({ users: [{ name: 'u', passwordHashFile: '/nonexistent/x' }] })),
    ).toThrow(/cannot read/);
  });
});

describe('verified-credential cache', () => {
  it('answers verified credentials from the cache, never caches failures, re-verifies after 5 minutes', async () => {
    const cfg = httpSchema.parse({
      users: [{ name: 'u', passwordHash: await hashPassword('right-pw', { N: 1024, r: 8, p: 1 }), role: 'operator' }],
    });
    const c = new Credentials(cfg);
    await c.init();
    expect(await c.checkPassword('u', 'wrong', 0)).toBeUndefined();
    expect(await c.checkPassword('u', 'right-pw', 0)).toMatchObject({ name: 'u' });
    expect(await c.checkPassword('u', 'right-pw', 1000)).toMatchObject({ name: 'u', role: 'operator' });
    expect(await c.checkPassword('u', 'right-pw2', 1000)).toBeUndefined();
    expect(await c.checkPassword('u', 'right-pw', 6 * 60_000)).toMatchObject({ name: 'u' });
  });
});

describe('limiter key', () => {
  it('keys on client and user, the name cut so long names stay small', () => {
    expect(limiterKey('10.0.0.1', 'alice')).not.toBe(limiterKey('10.0.0.1', 'bob'));
    expect(limiterKey('10.0.0.1', 'alice')).not.toBe(limiterKey('10.0.0.2', 'alice'));
    expect(limiterKey('10.0.0.1', undefined)).toBe(limiterKey('10.0.0.1', undefined));
    expect(limiterKey('10.0.0.1', 'x'.repeat(5000)).length).toBeLessThan(200);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpSchema } from '../../../src/config/schema.ts';
import { Credentials, FailedLoginLimiter, SessionStore } from '../../../src/http/auth.ts';
import { hashPassword } from '../../../src/http/password.ts';

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

describe('sessions', () => {
  it('expire after the idle time and slide on use', () => {
    const s = new SessionStore(1000);
    const session = s.create({ name: 'a', role: 'readonly', via: 'basic' }, 0);
    expect(session.principal.via).toBe('session');
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(s.get(session.id, 900)?.principal.name).toBe('a');
    expect(s.get(session.id, 1800)?.principal.name).toBe('a'); // used at 900: valid until 1900, now until 2800
    expect(s.get(session.id, 2800)).toBeUndefined();
    expect(s.get('forged')).toBeUndefined();
    const other = s.create({ name: 'b', role: 'operator', via: 'basic' });
    s.delete(other.id);
    expect(s.get(other.id)).toBeUndefined();
  });
});

describe('failed-login limiter', () => {
  it('blocks an IP after max failures within a minute, per IP, until the window ends', () => {
    const l = new FailedLoginLimiter(2);
    expect(l.retryAfter('1.1.1.1', 0)).toBe(0);
    l.fail('1.1.1.1', 0);
    expect(l.retryAfter('1.1.1.1', 1000)).toBe(0);
    l.fail('1.1.1.1', 1000);
    expect(l.retryAfter('1.1.1.1', 10_000)).toBe(50);
    expect(l.retryAfter('2.2.2.2', 10_000)).toBe(0);
    expect(l.retryAfter('1.1.1.1', 60_000)).toBe(0);
    l.fail('1.1.1.1', 61_000);
    expect(l.retryAfter('1.1.1.1', 61_500)).toBe(0);
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

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpSchema } from '../../../../src/config/schema.ts';
import { Credentials, FailedLoginLimiter, limiterKey, SessionStore } from '../../../../src/http/auth/auth.ts';
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

describe('bounded state', () => {
  it('the limiter evicts its least recently failed keys at 10,000 instead of forgetting every lock', () => {
    const l = new FailedLoginLimiter(1); // one failure locks: retryAfter > 0 shows a key is still known
    for (let i = 0; i < 10_000; i++) l.fail(`k${i}`, 0);
    l.fail('recent', 1); // full: k0, the oldest, goes
    l.fail('k1', 1); // k1 is recent again
    l.fail('newest', 2); // k2 goes
    expect(l.size).toBe(10_000);
    for (const kept of ['recent', 'newest', 'k1', 'k3', 'k9999'])
      expect(l.retryAfter(kept, 3), kept).toBeGreaterThan(0);
    for (const gone of ['k0', 'k2']) expect(l.retryAfter(gone, 3), gone).toBe(0);
  });

  it('keys on client and user: one user locked from an address leaves others alone', () => {
    const l = new FailedLoginLimiter(1);
    l.fail(limiterKey('10.0.0.1', 'alice'), 0);
    expect(l.retryAfter(limiterKey('10.0.0.1', 'alice'), 1)).toBeGreaterThan(0);
    expect(l.retryAfter(limiterKey('10.0.0.1', 'bob'), 1)).toBe(0);
    expect(l.retryAfter(limiterKey('10.0.0.2', 'alice'), 1)).toBe(0);
    expect(limiterKey('10.0.0.1', 'x'.repeat(5000)).length).toBeLessThan(200);
  });

  it('keeps at most maxSessions sessions, ending the least recently used one', () => {
    const s = new SessionStore(3600_000, 3);
    const p = { name: 'a', role: 'readonly', via: 'basic' } as const;
    const [a, b, c] = [s.create(p, 0), s.create(p, 1), s.create(p, 2)];
    expect(s.get(a.id, 3)).toBeDefined(); // a is now the most recently used
    const d = s.create(p, 4);
    expect(s.size).toBe(3);
    expect(s.get(b.id, 5)).toBeUndefined();
    for (const kept of [a, c, d]) expect(s.get(kept.id, 6)).toBeDefined();
    const big = new SessionStore();
    for (let i = 0; i < 10_050; i++) big.create(p, i);
    expect(big.size).toBe(10_000);
  });
});

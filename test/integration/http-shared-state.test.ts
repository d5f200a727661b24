import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { hashPassword } from '../../src/http/auth/password.ts';
import { RedisLoginLimiter, RedisSessionStore } from '../../src/http/auth/shared-state.ts';
import { buildHttpServer } from '../../src/http/server.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { Redis } from 'ioredis';
import { openEmbeddedStore } from '../../src/soar/embedded/store.ts';
import { postLoginForm } from '../helpers/login-form.ts';
import { cleanupPrefix, randomPrefix, TEST_REDIS_URL, testRuntime } from '../helpers/redis.ts';

/** Web state in Redis: two web replicas (and a restarted one) share sessions and the failed-login limiter. */

const FAST = { N: 1024, r: 8, p: 1 };
const prefix = randomPrefix('web-shared');
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const store = openEmbeddedStore(':memory:');
let config: Config;
const apps: FastifyInstance[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replica(): Promise<FastifyInstance> {
  const app = await buildHttpServer({
    config,
    runtime: testRuntime(prefix),
    soar: store,
    store,
    logger: silentLogger,
    readiness: async () => ({}),
  });
  apps.push(app);
  return app;
}

beforeAll(async () => {
  const users = [{ name: 'op', passwordHash: await hashPassword('op-password', FAST), role: 'operator' }];
  config = configSchema.parse({ redis: { url: TEST_REDIS_URL, prefix }, http: { users, loginRateLimitPerMin: 3 } });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await store.close();
  redis.disconnect();
  await cleanupPrefix(prefix);
});

describe('two web replicas', () => {
  it('a session created by one replica is accepted by the other and survives a restart; logout ends it on both', async () => {
    const [a, b] = [await replica(), await replica()];
    const login = await postLoginForm(a, { username: 'op', password: 'op-password' });
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const onB = await b.inject({ url: '/incidents', headers: { cookie } });
    expect(onB.statusCode).toBe(200);
    await a.close();
    const restarted = await replica();
    const page = await restarted.inject({ url: '/incidents', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const out = await restarted.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie },
      payload: { _csrf: csrf },
    });
    expect(out.statusCode).toBe(303);
    expect((await b.inject({ url: '/incidents', headers: { cookie } })).statusCode).toBe(302);
  });

  it('counts failed logins across both replicas', async () => {
    const [a, b] = [await replica(), await replica()];
    const from = { remoteAddress: '203.0.113.9' };
    const bad = { username: 'op', password: 'wrong' };
    for (const app of [a, b, a]) expect((await postLoginForm(app, bad, from)).statusCode).toBe(401);
    const fourth = await postLoginForm(b, bad, from);
    expect(fourth.statusCode).toBe(429);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    // A correct password still gets in (the limiter is consulted only after a failed check).
    expect((await postLoginForm(b, { username: 'op', password: 'op-password' }, from)).statusCode).toBe(303);
  });
});

describe('Redis session store and limiter', () => {
  const p = { name: 'a', role: 'readonly', via: 'basic' } as const;

  it('sessions expire after the idle time and slide on use; forged ids find nothing', async () => {
    const s = new RedisSessionStore(redis, `${prefix}:idle`, 1000);
    const session = await s.create(p);
    expect(session.principal.via).toBe('session');
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await sleep(600);
    expect((await s.get(session.id))?.principal.name).toBe('a');
    await sleep(600); // 1200 ms after creation, 600 after the last use
    expect((await s.get(session.id))?.csrf).toBe(session.csrf);
    await sleep(1300);
    expect(await s.get(session.id)).toBeUndefined();
    expect(await s.get('forged')).toBeUndefined();
  });

  it('keeps at most maxSessions sessions, ending the least recently used one', async () => {
    const s = new RedisSessionStore(redis, `${prefix}:bound`, 3600_000, 3);
    const a = await s.create(p, 1);
    const b = await s.create(p, 2);
    const c = await s.create(p, 3);
    expect(await s.get(a.id, 4)).toBeDefined(); // a is now the most recently used
    const d = await s.create(p, 5);
    expect(await s.get(b.id, 6)).toBeUndefined();
    for (const kept of [a, c, d]) expect(await s.get(kept.id, 7)).toBeDefined();
  });

  it('the limiter answers 0 up to the limit, then the seconds left in the window, per key', async () => {
    const l = new RedisLoginLimiter(redis, `${prefix}:lim`, 2);
    expect(await l.fail('k1')).toBe(0);
    expect(await l.fail('k1')).toBe(0);
    const wait = await l.fail('k1');
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await l.fail('k2')).toBe(0);
  });
});

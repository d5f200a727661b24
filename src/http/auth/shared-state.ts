import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Principal, Session } from './auth.ts';

/**
 * Web state every replica of the web role shares through Redis, so a load balancer needs no sticky sessions and a
 * restart logs no one out: browser sessions, the failed-login limiter and the cookie-signing secret. Keys live
 * under the deployment's prefix; session ids and limiter keys are stored as SHA-256 hashes, so a Redis dump holds
 * no usable session id and no user name.
 */

function hashed(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** The secret that signs this deployment's cookies: created once (SET NX) and read by every replica. */
export async function sharedCookieSecret(redis: Redis, prefix: string): Promise<string> {
  const key = `${prefix}:http:cookie-secret`;
  await redis.set(key, randomBytes(32).toString('hex'), 'NX');
  const secret = await redis.get(key);
  if (!secret) throw new Error(`${key} vanished right after it was set`);
  return secret;
}

interface StoredSession {
  principal: Principal;
  csrf: string;
}

/**
 * Sessions in Redis with an idle timeout (ms, default 8 h) that slides on use (PEXPIRE), at most `maxSessions`:
 * a sorted set by last use finds the least recently used session, which a login beyond the bound ends.
 */
export class RedisSessionStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly idleMs: number;
  private readonly maxSessions: number;

  constructor(redis: Redis, prefix: string, idleMs = 8 * 3600_000, maxSessions = 10_000) {
    this.redis = redis;
    this.prefix = prefix;
    this.idleMs = idleMs;
    this.maxSessions = maxSessions;
  }

  private key(hid: string): string {
    return `${this.prefix}:http:session:${hid}`;
  }

  private get index(): string {
    return `${this.prefix}:http:sessions`;
  }

  async create(principal: Principal, now = Date.now()): Promise<Session> {
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      principal: { ...principal, via: 'session' },
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: now + this.idleMs,
    };
    const hid = hashed(s.id);
    const stored: StoredSession = { principal: s.principal, csrf: s.csrf };
    const res = await this.redis
      .multi()
      .set(this.key(hid), JSON.stringify(stored), 'PX', this.idleMs)
      .zadd(this.index, now, hid)
      .zremrangebyscore(this.index, '-inf', now - this.idleMs)
      .zcard(this.index)
      .exec();
    const count = Number(res?.[3]?.[1] ?? 0);
    if (count > this.maxSessions) {
      const popped = await this.redis.zpopmin(this.index, count - this.maxSessions);
      // zpopmin answers [member, score, member, score, …].
      const victims = popped.filter((_, i) => i % 2 === 0).map((h) => this.key(h));
      if (victims.length) await this.redis.del(...victims);
    }
    return s;
  }

  async get(id: string, now = Date.now()): Promise<Session | undefined> {
    const hid = hashed(id);
    const raw = await this.redis.get(this.key(hid));
    if (!raw) return undefined;
    await this.redis.multi().pexpire(this.key(hid), this.idleMs).zadd(this.index, now, hid).exec();
    const stored = JSON.parse(raw) as StoredSession;
    return { id, principal: stored.principal, csrf: stored.csrf, expiresAt: now + this.idleMs };
  }

  async delete(id: string): Promise<void> {
    const hid = hashed(id);
    await this.redis.multi().del(this.key(hid)).zrem(this.index, hid).exec();
  }
}

/** One step of the limiter: count the failure, start the window on the first, report count and time left (ms). */
const FAIL_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

const WINDOW_MS = 60_000;

/**
 * Failed logins per key (client IP + user name, see limiterKey) in a fixed one-minute window, counted in Redis
 * so the limit holds across every web replica. Callers consult it only after a credential check failed (a good
 * password always gets in). Over the limit a wrong guess answers 429 instead of 401. Memory is bounded by the
 * window: each key expires a minute after its first failure.
 */
export class RedisLoginLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly max: number;

  constructor(redis: Redis, prefix: string, maxPerMinute: number) {
    this.redis = redis;
    this.prefix = prefix;
    this.max = maxPerMinute;
  }

  /** Records a failure; returns the Retry-After seconds when the key was over the limit already (0: a 401). */
  async fail(key: string): Promise<number> {
    const res = (await this.redis.eval(FAIL_SCRIPT, 1, `${this.prefix}:http:login-fail:${hashed(key)}`, WINDOW_MS)) as [
      number,
      number,
    ];
    const [failures, ttlMs] = res;
    return failures - 1 >= this.max ? Math.max(1, Math.ceil(ttlMs / 1000)) : 0;
  }
}

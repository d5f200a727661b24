import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One active watcher per mailbox across all replicas: a Redis key set with NX + PX holding a random token.
 * Renewal and release compare the token first (Lua), so a holder that stalled past the TTL cannot extend or
 * delete the lock a stand-by has taken over in the meantime.
 */

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

export interface LockSettings {
  /** Lock lifetime without renewal, ms. A dead holder is replaced after at most this long. */
  ttlMs: number;
}

export class MailboxLock {
  readonly key: string;
  private readonly token = randomBytes(16).toString('hex');
  private readonly redis: Redis;
  private readonly ttlMs: number;

  constructor(redis: Redis, prefix: string, sourceName: string, settings: LockSettings) {
    this.redis = redis;
    this.key = `${prefix}:ingest:lock:${sourceName}`;
    this.ttlMs = settings.ttlMs;
  }

  async tryAcquire(): Promise<boolean> {
    const res = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    return res === 'OK';
  }

  /** True when this instance still holds the lock (and its TTL was extended). */
  async renew(): Promise<boolean> {
    const res = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs));
    return Number(res) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}

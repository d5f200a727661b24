import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Limiter } from './limiter.ts';

/**
 * The deployment's SEPM budget: at most `max` exchanges with SEPM (logins included) at once across every process
 * sharing the Redis prefix, so `sepm.maxConcurrency` means the whole deployment, not each enrich process.
 * A slot is a lease in a sorted set scored by its expiry (Redis server time, ms): a process that dies holding
 * slots loses them after `leaseMs`, which is longer than the longest exchange (the request timeout aborts it).
 * Waiters poll with a capped back-off; the local Limiter in front keeps at most `max` pollers per process.
 * Described in docs/operations.md "The SEPM budget".
 */

// Server time, so hosts with skewed clocks agree on which leases are dead.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Poll back-off while every slot is taken, ms: first wait, cap. */
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 50;

export interface GlobalLimiterOptions {
  redis: Redis;
  /** Redis key prefix of the deployment (redis.prefix). */
  prefix: string;
  max: number;
  /** Lease of one slot, ms: longer than any exchange can last. */
  leaseMs: number;
}

export class GlobalLimiter {
  private readonly local: Limiter;
  private readonly key: string;
  private readonly opts: GlobalLimiterOptions;
  private readonly owner = randomBytes(8).toString('hex');
  private seq = 0;

  constructor(opts: GlobalLimiterOptions) {
    this.opts = opts;
    this.local = new Limiter(opts.max);
    this.key = `${opts.prefix}:sepm:slots`;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.local.run(async () => {
      const lease = await this.acquire();
      try {
        return await task();
      } finally {
        // A failed release only leaves the lease to expire; the answer of the task is what matters.
        await this.opts.redis.zrem(this.key, lease).catch(() => undefined);
      }
    });
  }

  private async acquire(): Promise<string> {
    const lease = `${this.owner}:${++this.seq}`;
    const { redis, max, leaseMs } = this.opts;
    for (let wait = POLL_FIRST_MS; ; wait = Math.min(POLL_MAX_MS, wait * 2)) {
      if (Number(await redis.eval(ACQUIRE, 1, this.key, max, leaseMs, lease)) === 1) return lease;
      // Jitter so processes released at the same moment do not poll in lock-step.
      await new Promise((r) => setTimeout(r, wait / 2 + Math.random() * wait));
    }
  }
}

import { Redis, type RedisOptions } from 'ioredis';
import { AppError, ErrorCodes } from './errors.ts';

export interface RedisSettings {
  url: string;
  /** Key prefix for every queue and key of this deployment (tests use a random one). */
  prefix: string;
}

/**
 * A connection for BullMQ workers and blocking commands: BullMQ requires maxRetriesPerRequest null so blocked
 * calls survive reconnects instead of failing after 20 tries.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...extra });
}

/**
 * Fails fast with one clear message when Redis is not there, instead of ioredis retrying silently forever.
 * Waits at most `timeoutMs` (ms).
 */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new AppError(
      ErrorCodes.REDIS_UNREACHABLE,
      `Redis is not reachable at ${redactUrl(url)} (${(err as Error).message}). Start Redis or set SEPM_INTAKE_REDIS_URL.`,
      { retryable: true, cause: err },
    );
  } finally {
    probe.disconnect();
  }
}

/** Removes a password from a redis:// URL before it is printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}

import type { Logger } from './logger.ts';
import { ErrorCodes, type ErrorCode } from './errors.ts';

/**
 * Redis failures named by their real cause (a wrong password, an ACL refusal, a certificate) instead of the
 * `Connection is closed` that hides them, and logged once per cause and window instead of once per reconnect or
 * per BullMQ retry (a wrong password used to flood the log with one stack trace per attempt).
 */
export interface RedisCause {
  code: ErrorCode;
  message: string;
}

const RULES: { test: RegExp; code: ErrorCode; hint: string }[] = [
  {
    test: /WRONGPASS|NOAUTH|invalid username-password|invalid password/i,
    code: ErrorCodes.REDIS_AUTH_FAILED,
    hint: 'Redis refused the credentials: check the user and password in redis.url',
  },
  {
    test: /NOPERM/,
    code: ErrorCodes.REDIS_NO_PERMISSION,
    hint: 'the Redis ACL user may not run a command or touch a key: it needs at least +@all -@dangerous, &* and keys ~<prefix>:*',
  },
  {
    test: /certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|altnames|ERR_TLS|SSL routines/i,
    code: ErrorCodes.REDIS_TLS_FAILED,
    hint: 'TLS to Redis failed (certificate not trusted or not matching the host)',
  },
  {
    test: /unknown command|READONLY/i,
    code: ErrorCodes.REDIS_UNSUPPORTED,
    hint: 'this endpoint is not a writable Redis master (a Sentinel port or a read-only replica?)',
  },
];

export function classifyRedisError(err: unknown): RedisCause {
  const raw = err instanceof Error ? err.message : String(err);
  const first = raw.split('\n', 1)[0] ?? raw;
  const code = (err as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' ? `${first} ${code}` : first;
  for (const r of RULES) if (r.test.test(text)) return { code: r.code, message: `${r.hint} (${first})` };
  return { code: ErrorCodes.REDIS_UNREACHABLE, message: first };
}

/** At most one log line per cause in this period; the next one says how many were suppressed, ms. */
export const REDIS_ERROR_LOG_WINDOW_MS = 60_000;

/** One logger for every Redis object's 'error' event (connections, queues, workers, queue events). */
export function redisErrorReporter(
  logger: Logger | undefined,
  windowMs = REDIS_ERROR_LOG_WINDOW_MS,
): (component: string, err: unknown) => void {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (component, err) => {
    if (!logger) return;
    const cause = classifyRedisError(err);
    const key = `${cause.code}\u0000${cause.message}`;
    const now = Date.now();
    const last = seen.get(key);
    if (last && now - last.at < windowMs) {
      last.suppressed += 1;
      return;
    }
    seen.set(key, { at: now, suppressed: 0 });
    logger.error(
      { code: cause.code, component, ...(last ? { repeated: last.suppressed + 1 } : {}) },
      `${cause.code}: ${cause.message}`,
    );
  };
}

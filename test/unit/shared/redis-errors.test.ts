import { describe, expect, it } from 'vitest';
import { classifyRedisError, redisErrorReporter } from '../../../src/shared/redis-errors.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { Writable } from 'node:stream';

describe('classifyRedisError', () => {
  it('names WRONGPASS, NOPERM, certificates and a Sentinel port by their cause', () => {
    expect(classifyRedisError(new Error('WRONGPASS invalid username-password pair or user is disabled.')).code).toBe(
      'REDIS_AUTH_FAILED',
    );
    expect(classifyRedisError(new Error("NOPERM this user has no permissions to run the 'info' command")).code).toBe(
      'REDIS_NO_PERMISSION',
    );
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(classifyRedisError(tls).code).toBe('REDIS_TLS_FAILED');
    expect(classifyRedisError(new Error("ERR unknown command 'evalsha'")).code).toBe('REDIS_UNSUPPORTED');
    expect(classifyRedisError(new Error('connect ECONNREFUSED 127.0.0.1:1')).code).toBe('REDIS_UNREACHABLE');
  });
});

describe('redisErrorReporter', () => {
  it('logs one line per cause and window, then how many were suppressed', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const report = redisErrorReporter(logger, 50);
    for (let i = 0; i < 1000; i++) report('queue intake', new Error('WRONGPASS invalid username-password pair'));
    expect(lines).toHaveLength(1);
    report('worker intake', new Error("NOPERM no permissions to access the 'x' key"));
    expect(lines).toHaveLength(2);
  });
});

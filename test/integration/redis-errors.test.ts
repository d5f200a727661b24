import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRedisReachable, createJobRuntime } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import { randomPrefix } from '../helpers/redis.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';

/** Issue 14, Build 4: errors name the real cause and are logged once, not once per reconnect or retry. */
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis(['--requirepass', 'right-password']);
});
afterAll(async () => {
  await redis?.stop();
});

describe('Redis errors', () => {
  it('a wrong password: the start fails with REDIS_AUTH_FAILED naming WRONGPASS', async () => {
    const url = `redis://default:wrong-password@127.0.0.1:${redis.port}`;
    const err = await assertRedisReachable(url).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(err?.code).toBe('REDIS_AUTH_FAILED');
    expect(err?.message).toContain('WRONGPASS');
    expect(err?.message).not.toContain('wrong-password');
  });

  it('a wrong password at run time: one clear pino line per cause, not a flood (queue, worker, queue events)', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    });
    const url = `redis://default:wrong-password@127.0.0.1:${redis.port}`;
    const runtime = createJobRuntime(url, randomPrefix('wrongpass'), logger);
    const connection = runtime.redis('test');
    const queue = runtime.queue(QueueNames.intake, connection);
    const worker = runtime.worker(QueueNames.intake, async () => 'x', { connection, concurrency: 1 });
    const events = runtime.queueEvents(QueueNames.intake);
    const consoleErrors: unknown[] = [];
    const origError = console.error;
    console.error = (...args: unknown[]) => void consoleErrors.push(args);
    try {
      // ioredis reconnects every ≤ 2 s and BullMQ retries its loops: many errors in 5 s, one line per cause.
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      console.error = origError;
      // close() waits for a connection that never becomes ready; disconnect() drops it.
      const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 2000))]);
      await Promise.allSettled([worker.disconnect(), queue.disconnect(), events.disconnect()].map(bounded));
      connection.disconnect();
    }
    const redisLines = lines.filter((l) => l.includes('REDIS_'));
    expect(redisLines.length).toBeGreaterThanOrEqual(1);
    expect(redisLines.length).toBeLessThanOrEqual(3);
    expect(redisLines.every((l) => l.includes('REDIS_AUTH_FAILED') && l.includes('WRONGPASS'))).toBe(true);
    expect(lines.join('')).not.toContain('wrong-password');
    expect(consoleErrors).toEqual([]);
  });
});

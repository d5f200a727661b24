import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptJobSeal, type SealedJob } from '../../src/jobs/seal-accept.ts';
import { getAutomationKey, SEAL_LIFETIME_MS, withSeal } from '../../src/jobs/seal.ts';
import { cleanupPrefix, randomPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

/** Accept-once of seals against real Redis: attempts of one job pass, copies and re-created jobs do not. */

describe('acceptJobSeal (real Redis)', () => {
  const prefix = randomPrefix('seal');
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await cleanupPrefix(prefix);
  });

  const sealed = async (jobId: string) =>
    withSeal(
      await getAutomationKey(redis, prefix),
      { jobName: 'quarantine-endpoint', jobId },
      { incidentId: 1, computer: 'WS-1', requestedBy: 'auto', senderVerdict: 'trusted' },
    );
  const job = (id: string, data: unknown, attemptsStarted: number, queueName = 'sep'): SealedJob => ({
    name: 'quarantine-endpoint',
    id,
    queueName,
    data,
    attemptsStarted,
  });

  it('accepts the first attempt and every later attempt of the same job (BullMQ retries, stalled recovery)', async () => {
    const data = await sealed('q.1');
    for (const attempt of [1, 2, 3, 7])
      expect(await acceptJobSeal(redis, prefix, job('q.1', data, attempt))).toEqual({ ok: true });
  });

  it('refuses the same seal on a re-created job (attempts counted from 1 again) and in another queue', async () => {
    const data = await sealed('q.2');
    expect(await acceptJobSeal(redis, prefix, job('q.2', data, 1))).toEqual({ ok: true });
    expect(await acceptJobSeal(redis, prefix, job('q.2', data, 1))).toEqual({ ok: false, reason: 'replayed' });
    expect(await acceptJobSeal(redis, prefix, job('q.2', data, 5, 'tracking'))).toEqual({
      ok: false,
      reason: 'replayed',
    });
  });

  it('refuses the data under another job id, an expired seal and a job without id; the record expires with the seal', async () => {
    const data = await sealed('q.3');
    expect(await acceptJobSeal(redis, prefix, job('q.3-copy', data, 1))).toEqual({ ok: false, reason: 'mismatch' });
    const late = Date.now() + SEAL_LIFETIME_MS + 1000;
    expect(await acceptJobSeal(redis, prefix, job('q.3', data, 1), late)).toEqual({ ok: false, reason: 'expired' });
    expect(await acceptJobSeal(redis, prefix, { ...job('q.3', data, 1), id: undefined })).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(await acceptJobSeal(redis, prefix, job('q.3', data, 1))).toEqual({ ok: true });
    const keys = await redis.keys(`${prefix}:seal:accepted:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(SEAL_LIFETIME_MS);
    }
  });
});

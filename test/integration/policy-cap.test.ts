import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourlyCapKey, hourlySlotsUsed, takeHourlySlot } from '../../src/enrich/containment/index.ts';
import { cleanupPrefix, randomPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

describe('takeHourlySlot (real Redis)', () => {
  const prefix = randomPrefix('cap');
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = new Redis(TEST_REDIS_URL);
    b = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    a.disconnect();
    b.disconnect();
    await cleanupPrefix(prefix);
  });

  const hour = Date.UTC(2026, 10, 28, 8, 0, 0);

  it('grants exactly `cap` slots per clock hour across concurrent workers', async () => {
    const now = hour + 5 * 60_000;
    // 40 racing attempts from two connections (two "workers") against a cap of 7.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => takeHourlySlot(i % 2 ? a : b, prefix, 'quarantine', 7, now)),
    );
    expect(results.filter(Boolean)).toHaveLength(7);
    expect(await hourlySlotsUsed(a, prefix, 'quarantine', now)).toBe(7);
    // Refused attempts did not inflate the counter, and the key expires (TTL set, ≤ 2 h).
    const ttl = await a.ttl(hourlyCapKey(prefix, 'quarantine', now));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(7200);
  });

  it('starts afresh in the next clock hour and keeps actions apart', async () => {
    const lastMinute = hour + 59 * 60_000;
    expect(await takeHourlySlot(a, prefix, 'quarantine', 7, lastMinute)).toBe(false);
    expect(await takeHourlySlot(a, prefix, 'blacklist', 7, lastMinute)).toBe(true);
    const next = hour + 60 * 60_000;
    expect(await takeHourlySlot(a, prefix, 'quarantine', 7, next)).toBe(true);
    expect(await hourlySlotsUsed(b, prefix, 'quarantine', next)).toBe(1);
  });

  it('charges a job id once: another attempt of the same job reuses its slot, even at the cap', async () => {
    const now = hour + 10 * 60_000;
    expect(await takeHourlySlot(a, prefix, 'remediate', 2, now, 'remediate-artifact.i1.x.b1')).toBe(true);
    expect(await takeHourlySlot(b, prefix, 'remediate', 2, now, 'remediate-artifact.i1.x.b1')).toBe(true);
    expect(await hourlySlotsUsed(a, prefix, 'remediate', now)).toBe(1);
    expect(await takeHourlySlot(a, prefix, 'remediate', 2, now, 'remediate-artifact.i2.x.b1')).toBe(true);
    expect(await takeHourlySlot(a, prefix, 'remediate', 2, now, 'remediate-artifact.i3.x.b1')).toBe(false);
    // The first job's retry still runs at the cap; the count stays at the cap.
    expect(await takeHourlySlot(a, prefix, 'remediate', 2, now, 'remediate-artifact.i1.x.b1')).toBe(true);
    expect(await hourlySlotsUsed(a, prefix, 'remediate', now)).toBe(2);
  });

  it('a cap of 0 never grants a slot', async () => {
    expect(await takeHourlySlot(a, prefix, 'move', 0, hour)).toBe(false);
    expect(await hourlySlotsUsed(a, prefix, 'move', hour)).toBe(0);
  });

  it('keeps other prefixes apart', async () => {
    const other = randomPrefix('cap');
    try {
      expect(await takeHourlySlot(a, other, 'quarantine', 1, hour)).toBe(true);
      expect(await takeHourlySlot(a, other, 'quarantine', 1, hour)).toBe(false);
      expect(await hourlySlotsUsed(a, prefix, 'quarantine', hour)).toBe(7);
    } finally {
      await cleanupPrefix(other);
    }
  });
});

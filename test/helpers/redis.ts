import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createJobRuntime } from '../../src/main.ts';
import type { JobRuntime } from '../../src/jobs/runtime.ts';

export const TEST_REDIS_URL = process.env.SEPM_INTAKE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A random key prefix per test so parallel test files never see each other's queues. */
export function randomPrefix(label = 't'): string {
  return `test-${label}-${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under the prefix (SCAN, not KEYS, so a big Redis is not blocked). */
export async function cleanupPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The runtime main.ts gives the roles, on the test Redis under `prefix`. */
export function testRuntime(prefix: string, url = TEST_REDIS_URL): JobRuntime {
  return createJobRuntime(url, prefix);
}

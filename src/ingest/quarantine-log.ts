import type { Redis } from 'ioredis';
import type { QuarantineRecord } from './triage.ts';

/** Reasons for quarantined mail, newest first, in a capped Redis list (`<prefix>:ingest:quarantine`). */
export const QUARANTINE_LOG_MAX = 1000;

export function quarantineKey(prefix: string): string {
  return `${prefix}:ingest:quarantine`;
}

export async function recordQuarantine(redis: Redis, prefix: string, records: QuarantineRecord[]): Promise<void> {
  if (records.length === 0) return;
  const key = quarantineKey(prefix);
  await redis
    .multi()
    .lpush(key, ...records.map((r) => JSON.stringify(r)))
    .ltrim(key, 0, QUARANTINE_LOG_MAX - 1)
    .exec();
}

export async function listQuarantine(redis: Redis, prefix: string, limit = 100): Promise<QuarantineRecord[]> {
  const items = await redis.lrange(quarantineKey(prefix), 0, limit - 1);
  return items.map((s) => JSON.parse(s) as QuarantineRecord);
}

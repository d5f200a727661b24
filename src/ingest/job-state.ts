import type { Redis } from 'ioredis';

/**
 * Where an intake job stands, read from its BullMQ job hash in one pipeline (no per-job Lua call, so a backlog of
 * thousands costs one round trip per page). `finished` = finishedOn is set: completed, or failed with no attempt
 * left (BullMQ sets finishedOn only then; a retry waits in `delayed` without it). `missing` = no hash: Redis lost
 * it (restart without persistence, eviction) or it was trimmed (completed jobs are kept 3 days / 50,000,
 * jobs/catalog.ts) — either way the mail source queues the mail again under the same job id.
 */
export type JobStanding = 'finished' | 'open' | 'missing';

export async function finishedJobs(redis: Redis, jobKeys: string[]): Promise<JobStanding[]> {
  if (jobKeys.length === 0) return [];
  const pipe = redis.pipeline();
  // Every BullMQ job hash has `timestamp` (set when added): absent means the job is not there.
  for (const k of jobKeys) pipe.hmget(k, 'timestamp', 'finishedOn');
  const res = (await pipe.exec()) ?? [];
  return jobKeys.map((_, i) => {
    const [err, value] = res[i] ?? [null, null];
    if (err) throw err;
    const [ts, finishedOn] = (value as (string | null)[] | null) ?? [null, null];
    if (!ts) return 'missing';
    return finishedOn ? 'finished' : 'open';
  });
}

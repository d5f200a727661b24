import type { Redis } from 'ioredis';
import { checkSeal, getAutomationKey, type SealCheck } from './seal.ts';

/**
 * Accept-once for seals (seal.ts). A valid seal proves a producer holding the key made this exact job, but job
 * data can be copied: the dashboard lets a user re-add a job's data, with its own options, after the original is
 * gone. The first acceptance of a seal is recorded in Redis (one hash per seal, living as long as the seal) with
 * the queue, the job id and BullMQ's attempts-started counter. Later attempts of that same job (BullMQ retries,
 * stalled-job recovery, a "retry" from the dashboard) increase that counter and are accepted again; a re-created
 * job starts counting from 1 and is refused, as is the same seal in another queue.
 */

/** The parts of a BullMQ Job the check needs. */
export interface SealedJob {
  name: string;
  id?: string | undefined;
  queueName: string;
  data: unknown;
  /** BullMQ's `ats`: incremented each time the job is moved to active. */
  attemptsStarted: number;
}

export type SealAcceptance =
  { ok: true } | { ok: false; reason: Exclude<SealCheck, { ok: true }>['reason'] | 'replayed' };

const ACCEPT = `
local ref = redis.call('HGET', KEYS[1], 'ref')
if not ref then
  redis.call('HSET', KEYS[1], 'ref', ARGV[1], 'ats', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
if ref == ARGV[1] and tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'ats') or '0') then
  redis.call('HSET', KEYS[1], 'ats', ARGV[2])
  return 1
end
return 0
`;

export function sealAcceptedKey(prefix: string, mac: string): string {
  return `${prefix}:seal:accepted:${mac}`;
}

/**
 * Verifies the job's seal (bound to its name and id, unexpired) and records or checks its acceptance. Call once
 * per attempt, when the attempt starts.
 */
export async function acceptJobSeal(
  redis: Redis,
  prefix: string,
  job: SealedJob,
  now: number = Date.now(),
): Promise<SealAcceptance> {
  if (!job.id) return { ok: false, reason: 'missing' };
  const key = await getAutomationKey(redis, prefix);
  const check = checkSeal(key, { jobName: job.name, jobId: job.id }, job.data, now);
  if (!check.ok) return check;
  const ttlMs = Math.max(1, check.expiresAt - now);
  const ref = `${job.queueName}|${job.id}`;
  const attempt = String(Math.max(1, job.attemptsStarted || 0));
  const taken = await redis.eval(ACCEPT, 1, sealAcceptedKey(prefix, check.mac), ref, attempt, String(ttlMs));
  return taken === 1 ? { ok: true } : { ok: false, reason: 'replayed' };
}

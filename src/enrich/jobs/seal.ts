import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { canonicalJson } from './job-id.ts';

/**
 * The automation seal. The containment policy trusts two job-data fields, `requestedBy: 'auto'` and
 * `senderVerdict: 'trusted'`; the queue dashboard writes job data straight to Redis, so those fields alone prove
 * nothing. Internal producers (the intake worker, the enrichment worker's follow-up jobs) add an HMAC over the job
 * name, both claims and the payload, keyed with a per-deployment secret kept in Redis; the worker honours the
 * claims only when the seal verifies. Anyone who can only add jobs never sees the key.
 */

/** Job-data field carrying the seal (hex HMAC-SHA256). Never part of a payload or a job id. */
export const SEAL_FIELD = 'automationSeal';

/** The claims that need a seal. */
export function claimsAutomation(data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const d = data as Record<string, unknown>;
  return d.requestedBy === 'auto' || d.senderVerdict === 'trusted';
}

const keys = new Map<string, Promise<string>>();

async function loadKey(redis: Redis, prefix: string): Promise<string> {
  const name = `${prefix}:automation-key`;
  // NX: the first process of the deployment creates it; every other one reads the same value back.
  await redis.set(name, randomBytes(32).toString('hex'), 'NX');
  const key = await redis.get(name);
  if (!key) throw new Error(`automation key ${name} missing right after SET NX`);
  return key;
}

/** The deployment's automation key (32 random bytes, hex), created on first use; cached per process and prefix. */
export function getAutomationKey(redis: Redis, prefix: string): Promise<string> {
  let key = keys.get(prefix);
  if (!key) {
    key = loadKey(redis, prefix);
    // A failed load (Redis down) must not stick: the next job tries again.
    key.catch(() => keys.delete(prefix));
    keys.set(prefix, key);
  }
  return key;
}

function sealInput(jobName: string, data: Record<string, unknown>): string {
  // Through JSON first: what is verified is what came back from Redis (Dates as strings, undefined dropped).
  const plain = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  delete plain[SEAL_FIELD];
  return canonicalJson({
    jobName,
    requestedBy: plain.requestedBy ?? null,
    senderVerdict: plain.senderVerdict ?? null,
    payload: plain,
  });
}

/** HMAC-SHA256 (hex) of the job name, both claims and the payload (the seal field itself excluded). */
export function sealJob(key: string, jobName: string, data: Record<string, unknown>): string {
  return createHmac('sha256', key).update(sealInput(jobName, data)).digest('hex');
}

/** True when data carries a seal made with `key` for exactly this job name, claims and payload. */
export function verifySeal(key: string, jobName: string, data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const given = (data as Record<string, unknown>)[SEAL_FIELD];
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = Buffer.from(sealJob(key, jobName, data as Record<string, unknown>), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/** `data` with its seal added (a copy). */
export function withSeal<T extends object>(key: string, jobName: string, data: T): T & { automationSeal: string } {
  const copy = { ...data } as Record<string, unknown>;
  delete copy[SEAL_FIELD];
  return { ...(copy as T), automationSeal: sealJob(key, jobName, copy) };
}

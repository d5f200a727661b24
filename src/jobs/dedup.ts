import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Redis-backed claims that decide whether an enqueue creates a job (keys under the deployment prefix):
 *
 * - `<prefix>:dedup:<meaning>` — automatic work (from intake) with the same meaning within the window is one job:
 *   `SET key jobId NX PX window` starts a real sliding window at the first request (no clock bucket, so two mails
 *   1 s apart are one scan whatever the time of day). The value names the job that holds the window.
 * - `<prefix>:reqkey:<sha256(scope, key)>` — an explicit request's key (API `Idempotency-Key`, review-UI form
 *   nonce), kept 24 h with the job it created and the fingerprint of what was asked: the same key with the same
 *   request is the same job; with another request it is refused.
 */

/** How long a request key is remembered, ms (24 h, the usual Idempotency-Key lifetime). */
export const REQUEST_KEY_TTL_MS = 24 * 3600_000;

/** Where the claims live: a connection of the deployment and the queue's prefix (next to its jobs). */
export interface ClaimStore {
  redis: Redis;
  queue: Queue;
}

function keyspace(store: ClaimStore): { redis: Redis; prefix: string } {
  return { redis: store.redis, prefix: store.queue.opts.prefix ?? 'bull' };
}

/** Claims the window of `meaning` for `jobId`; returns the job that already holds it, or undefined. */
export async function claimMeaning(
  store: ClaimStore,
  meaning: string,
  jobId: string,
  windowMs: number,
): Promise<string | undefined> {
  const { redis, prefix } = keyspace(store);
  const key = `${prefix}:dedup:${meaning}`;
  for (let i = 0; i < 2; i++) {
    if ((await redis.set(key, jobId, 'PX', windowMs, 'NX')) === 'OK') return undefined;
    const holder = await redis.get(key);
    // Expired between SET and GET: try once more (the second SET wins or sees the new holder).
    if (holder) return holder;
  }
  return undefined;
}

/** The claim of a request key. */
export type RequestKeyClaim = { kind: 'new' } | { kind: 'same'; jobId: string } | { kind: 'conflict'; jobId: string };

export async function claimRequestKey(
  store: ClaimStore,
  scope: string,
  requestKey: string,
  fingerprint: string,
  jobId: string,
): Promise<RequestKeyClaim> {
  const { redis, prefix } = keyspace(store);
  const key = `${prefix}:reqkey:${requestKeyId(scope, requestKey)}`;
  const value = JSON.stringify({ jobId, fingerprint });
  if ((await redis.set(key, value, 'PX', REQUEST_KEY_TTL_MS, 'NX')) === 'OK') return { kind: 'new' };
  const held = parseClaim(await redis.get(key));
  if (!held) return { kind: 'new' };
  return held.fingerprint === fingerprint
    ? { kind: 'same', jobId: held.jobId }
    : { kind: 'conflict', jobId: held.jobId };
}

/**
 * Gives a claim (`<kind>:<name>`: the meaning or the request-key id) back when its job could not be added, so the
 * retry of the request is not answered with a job that does not exist.
 */
export async function releaseClaim(
  store: ClaimStore,
  kind: 'dedup' | 'reqkey',
  name: string,
  jobId: string,
): Promise<void> {
  const { redis, prefix } = keyspace(store);
  const key = `${prefix}:${kind}:${name}`;
  const held = await redis.get(key);
  if (held === jobId || parseClaim(held)?.jobId === jobId) await redis.del(key);
}

/** The stored name of a request key (hashed: keys are the caller's text). */
export function requestKeyId(scope: string, requestKey: string): string {
  return createHash('sha256').update(`${scope}\u0000${requestKey}`).digest('hex');
}

function parseClaim(raw: string | null): { jobId: string; fingerprint: string } | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { jobId?: unknown; fingerprint?: unknown };
    return typeof v.jobId === 'string' && typeof v.fingerprint === 'string'
      ? { jobId: v.jobId, fingerprint: v.fingerprint }
      : undefined;
  } catch {
    return undefined;
  }
}

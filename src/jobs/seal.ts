import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { canonicalJson } from './job-id.ts';

/**
 * The automation seal. The containment policy trusts two job-data fields, `requestedBy: 'auto'` and
 * `senderVerdict: 'trusted'`, and the intake worker trusts that an intake job came from a mail source; the queue
 * dashboard writes job data straight to Redis, so none of that proves anything by itself. Internal producers
 * (mail sources, the replay CLI, the intake worker, the enrichment worker's follow-up jobs) add an HMAC over the
 * job name, the job id, a validity window, both claims and the payload, keyed with a per-deployment secret kept
 * in Redis; the workers honour the claims only when the seal verifies (and, seal-accept.ts, only for the job it
 * was made for, once). Anyone who can only add jobs never sees the key.
 *
 * Seal format (one string, so dashboards and job ids treat it as one metadata field):
 * `v2.<sealedAt epoch ms>.<expiresAt epoch ms>.<hex HMAC-SHA256>`.
 */

/** Job-data field carrying the seal. Never part of a payload or a job id. */
export const SEAL_FIELD = 'automationSeal';

/**
 * How long a seal is valid, ms (24 h): far longer than any BullMQ retry schedule here (intake: 10 attempts from
 * 2 s, about 35 min in all; sep: 5 from 2 s) and than tracking delays, short enough that a copied job is dead by
 * the next day. A job still waiting after that runs unsealed (untrusted, never automatic); `replay` re-seals.
 */
export const SEAL_LIFETIME_MS = 24 * 3_600_000;

/** What a seal is bound to besides the data. */
export interface SealTarget {
  jobName: string;
  jobId: string;
}

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

interface Window {
  sealedAt: number;
  expiresAt: number;
}

function sealInput(target: SealTarget, window: Window, data: Record<string, unknown>): string {
  // Through JSON first: what is verified is what came back from Redis (Dates as strings, undefined dropped).
  const plain = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  delete plain[SEAL_FIELD];
  return canonicalJson({
    v: 2,
    jobName: target.jobName,
    jobId: target.jobId,
    sealedAt: window.sealedAt,
    expiresAt: window.expiresAt,
    requestedBy: plain.requestedBy ?? null,
    senderVerdict: plain.senderVerdict ?? null,
    payload: plain,
  });
}

function mac(key: string, target: SealTarget, window: Window, data: Record<string, unknown>): string {
  return createHmac('sha256', key)
    .update(sealInput(target, window, data))
    .digest('hex');
}

export interface SealOptions {
  /** Epoch ms; injectable for tests. */
  now?: number;
  /** Validity, ms (default SEAL_LIFETIME_MS). */
  lifetimeMs?: number;
}

/** The seal string for `data` as job `target` (the seal field itself excluded). */
export function sealJob(key: string, target: SealTarget, data: Record<string, unknown>, o: SealOptions = {}): string {
  const sealedAt = Math.floor(o.now ?? Date.now());
  const window = { sealedAt, expiresAt: sealedAt + Math.floor(o.lifetimeMs ?? SEAL_LIFETIME_MS) };
  return `v2.${window.sealedAt}.${window.expiresAt}.${mac(key, target, window, data)}`;
}

export type SealCheck =
  | { ok: true; mac: string; sealedAt: number; expiresAt: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'expired' };

const SEAL_RE = /^v2\.(\d{1,15})\.(\d{1,15})\.([0-9a-f]{64})$/;

/** Checks the seal on `data` for exactly this job name, job id, claims and payload, and that it has not expired. */
export function checkSeal(key: string, target: SealTarget, data: unknown, now: number = Date.now()): SealCheck {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: 'missing' };
  const given = (data as Record<string, unknown>)[SEAL_FIELD];
  if (given === undefined) return { ok: false, reason: 'missing' };
  const m = typeof given === 'string' ? SEAL_RE.exec(given) : null;
  if (!m) return { ok: false, reason: 'malformed' };
  const window = { sealedAt: Number(m[1]), expiresAt: Number(m[2]) };
  const expected = Buffer.from(mac(key, target, window, data as Record<string, unknown>), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(m[3] as string, 'hex'))) return { ok: false, reason: 'mismatch' };
  // Checked after the MAC, so only a genuine window is reported as expired.
  if (now >= window.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, mac: m[3] as string, ...window };
}

/** True when data carries a valid, unexpired seal made with `key` for this job (does not record acceptance). */
export function verifySeal(key: string, target: SealTarget, data: unknown, now: number = Date.now()): boolean {
  return checkSeal(key, target, data, now).ok;
}

/** `data` with its seal for job `target` added (a copy). */
export function withSeal<T extends object>(
  key: string,
  target: SealTarget,
  data: T,
  o: SealOptions = {},
): T & { automationSeal: string } {
  const copy = { ...data } as Record<string, unknown>;
  delete copy[SEAL_FIELD];
  return { ...(copy as T), automationSeal: sealJob(key, target, copy, o) };
}

import { createHash, randomBytes } from 'node:crypto';

/**
 * Deterministic job ids (pure). The same request (job name + incident + target) inside one time bucket of
 * `windowSec` seconds maps to the same id, so BullMQ ignores the second add: a repeated mail, a double click in
 * the dashboard or a retried auto-enrichment does not run the same SEPM command twice. BullMQ forbids ':' in
 * custom ids and purely numeric ids, hence the '.'-separated readable form.
 */

/** Keys that describe who asked, not what was asked: they do not change a job's identity. */
const META_KEYS = new Set(['requestedBy', 'senderVerdict', 'automationSeal']);

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Short stable digest of the target part of a payload (everything but the requester metadata). */
export function targetDigest(payload: Record<string, unknown>): string {
  const target = Object.fromEntries(Object.entries(payload).filter(([k]) => !META_KEYS.has(k)));
  return createHash('sha256').update(canonicalJson(target)).digest('hex').slice(0, 16);
}

export interface JobIdInput {
  name: string;
  payload: Record<string, unknown>;
  /** Dedup window, seconds; 0 = every request is a new job. */
  windowSec: number;
  /** Epoch ms. */
  now: number;
}

export function computeJobId(input: JobIdInput): string {
  const incident = typeof input.payload.incidentId === 'number' ? `i${input.payload.incidentId}` : 'i0';
  const digest = targetDigest(input.payload);
  const bucket =
    input.windowSec > 0
      ? `b${Math.floor(input.now / 1000 / input.windowSec)}`
      : `u${input.now}${randomBytes(4).toString('hex')}`;
  return `${input.name}.${incident}.${digest}.${bucket}`;
}

/** Tracking polls: one id per command and attempt, so a re-schedule is a new delayed job, never a duplicate. */
export function trackingJobId(commandId: string, attempt: number): string {
  return `track.${commandId.replace(/[^A-Za-z0-9_-]/g, '_')}.a${attempt}`;
}

import { createHash, randomBytes } from 'node:crypto';

/**
 * Job ids and request meanings (pure). A request's *meaning* is job name + incident + a digest of its target
 * (everything but who asked); automatic requests are deduplicated on it for a sliding window (jobs/dedup.ts).
 * Every job that is enqueued gets a fresh id (meaning + time + random), so an explicit request always runs and a
 * completed job is never mistaken for a new request. BullMQ forbids ':' in custom ids and purely numeric ids,
 * hence the '.'-separated readable form.
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

/** `<name>.i<incident>.<digest>`: the same for the same request whoever asks, in whatever key order. */
export function requestMeaning(name: string, payload: Record<string, unknown>): string {
  const incident = typeof payload.incidentId === 'number' ? `i${payload.incidentId}` : 'i0';
  return `${name}.${incident}.${targetDigest(payload)}`;
}

/** A new id for one enqueue of `name` (epoch ms `now` in base 36 plus 32 random bits: never reused). */
export function freshJobId(name: string, payload: Record<string, unknown>, now = Date.now()): string {
  return `${requestMeaning(name, payload)}.r${now.toString(36)}${randomBytes(4).toString('hex')}`;
}

/** Tracking polls: one id per command and attempt, so a re-schedule is a new delayed job, never a duplicate. */
export function trackingJobId(commandId: string, attempt: number): string {
  return `track.${commandId.replace(/[^A-Za-z0-9_-]/g, '_')}.a${attempt}`;
}

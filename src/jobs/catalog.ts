import type { Queue } from 'bullmq';
import type { z } from 'zod';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { QueueNames, type QueueName } from './queues.ts';
import { SEP_FUNCTION_NAMES, sepFunctionSchemas, type SepFunctionName } from '../sepm/functions/schemas.ts';
import { computeJobId } from './job-id.ts';
import { claimsAutomation, withSeal } from './seal.ts';
import { PLAYBOOK_NAMES, playbookSchemas, type PlaybookName } from './playbook-schemas.ts';

/**
 * Every job the `sep` and `tracking` queues run: the SEP functions (payload = the function's input) and the
 * playbooks (payload names the incident written back to). One schema per name; the same validation runs in
 * the HTTP API before enqueueing and in the worker before running (the dashboard can add jobs directly).
 */

export type JobName = SepFunctionName | PlaybookName;
export type RequestedBy = 'auto' | 'analyst' | 'api';

export const JOB_NAMES: readonly JobName[] = [...SEP_FUNCTION_NAMES, ...PLAYBOOK_NAMES];

export const jobSchemas: Record<JobName, z.ZodType> = { ...sepFunctionSchemas, ...playbookSchemas };

export function isJobName(name: string): name is JobName {
  return Object.prototype.hasOwnProperty.call(jobSchemas, name);
}

/** Jobs that poll SEPM commands run on their own queue so long scans never hold up analyst actions. */
export function queueFor(name: JobName): QueueName {
  return name === 'track-command' ? QueueNames.tracking : QueueNames.sep;
}

/** Who asked, carried in the job data next to the payload; never part of the job's identity. */
export interface JobMeta {
  requestedBy: RequestedBy;
  /** Sender verdict of the source mail (automatic requests only). */
  senderVerdict?: 'trusted' | 'untrusted';
  /**
   * Set by the worker when the data claimed `requestedBy: 'auto'` / `senderVerdict: 'trusted'` without a valid
   * seal: the job runs as an analyst request from an untrusted source, and the containment gate refuses it.
   */
  unsealedClaim?: true;
}

export type ValidationResult =
  { ok: true; name: JobName; payload: Record<string, unknown>; meta: JobMeta } | { ok: false; problems: string[] };

const REQUESTERS: readonly string[] = ['auto', 'analyst', 'api'];

function splitMeta(data: unknown): { input: unknown; meta: JobMeta; problems: string[] } {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { input: data, meta: { requestedBy: 'analyst' }, problems: [] };
  }
  // The seal is checked by the worker before validation (seal.ts); it is never part of the payload.
  const { requestedBy, senderVerdict, automationSeal: _seal, ...input } = data as Record<string, unknown>;
  const problems: string[] = [];
  if (requestedBy !== undefined && !REQUESTERS.includes(String(requestedBy))) {
    problems.push(`requestedBy: must be one of ${REQUESTERS.join(', ')}`);
  }
  if (senderVerdict !== undefined && senderVerdict !== 'trusted' && senderVerdict !== 'untrusted') {
    problems.push('senderVerdict: must be trusted or untrusted');
  }
  const meta: JobMeta = { requestedBy: (requestedBy as RequestedBy | undefined) ?? 'analyst' };
  if (senderVerdict === 'trusted' || senderVerdict === 'untrusted') meta.senderVerdict = senderVerdict;
  return { input, meta, problems };
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(payload)'}: ${i.message}`);
}

/** Validates a payload for `name`, listing every problem (unknown name, wrong/missing/extra fields). */
export function validateJobPayload(name: string, data: unknown): ValidationResult {
  if (!isJobName(name)) return { ok: false, problems: [`unknown job name '${name}'`] };
  const { input, meta, problems } = splitMeta(data);
  const parsed = jobSchemas[name].safeParse(input ?? {});
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, name, payload: parsed.data as Record<string, unknown>, meta };
}

export function invalidPayloadError(name: string, problems: string[]): AppError {
  const code = problems.some((p) => p.startsWith('unknown job name'))
    ? ErrorCodes.JOB_UNKNOWN
    : ErrorCodes.JOB_PAYLOAD_INVALID;
  return new AppError(code, `invalid payload for job '${name}': ${problems.join('; ')}`, {
    details: { job: name, problems },
  });
}

export interface EnqueueOptions {
  requestedBy: RequestedBy;
  senderVerdict?: 'trusted' | 'untrusted';
  /** Dedup window, seconds (config enrich.dedupWindowSec; default 3600). */
  dedupWindowSec?: number;
  /** Explicit id (tracking re-schedules); otherwise the deterministic id. */
  jobId?: string;
  delayMs?: number;
  /** Epoch ms, injectable for tests. */
  now?: number;
  /**
   * The deployment's automation key (seal.ts getAutomationKey). Required when the job claims `requestedBy: 'auto'`
   * or `senderVerdict: 'trusted'`: the worker honours those claims only with a valid seal.
   */
  automationKey?: string;
}

/** Retries for transient SEPM trouble: exponential with jitter; permanent errors stop at once (Unrecoverable). */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
} as const;

/**
 * Validates and enqueues. Throws AppError JOB_PAYLOAD_INVALID (every problem listed) without enqueueing.
 * The same request inside one dedup window gets the same job id, so BullMQ keeps only the first.
 */
export async function enqueueJob(
  queue: Queue,
  name: string,
  payload: unknown,
  opts: EnqueueOptions,
): Promise<{ jobId: string }> {
  const v = validateJobPayload(name, payload);
  if (!v.ok) throw invalidPayloadError(name, v.problems);
  const windowSec = opts.dedupWindowSec ?? 3600;
  const jobId = opts.jobId ?? computeJobId({ name, payload: v.payload, windowSec, now: opts.now ?? Date.now() });
  const data: Record<string, unknown> = { ...v.payload, requestedBy: opts.requestedBy };
  const verdict = opts.senderVerdict ?? v.meta.senderVerdict;
  if (verdict) data.senderVerdict = verdict;
  if (claimsAutomation(data) && !opts.automationKey) {
    // A programming error, not bad input: an unsealed claim would silently run as an untrusted analyst request.
    throw new Error(`enqueueJob ${name}: requestedBy auto / senderVerdict trusted need opts.automationKey`);
  }
  // Sealed for this job id (known before the add: deterministic or given), so a copy under another id fails.
  const sealed =
    claimsAutomation(data) && opts.automationKey ? withSeal(opts.automationKey, { jobName: name, jobId }, data) : data;
  // Completed jobs stay for the window so a repeat inside it is recognised by id; failed ones for a day.
  const keep = Math.max(windowSec, 60);
  await queue.add(name, sealed, {
    ...DEFAULT_JOB_OPTIONS,
    jobId,
    delay: opts.delayMs,
    removeOnComplete: { age: keep, count: 10_000 },
    removeOnFail: { age: Math.max(keep, 86_400) },
  });
  return { jobId };
}

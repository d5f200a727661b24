import type { Job } from 'bullmq';
import { enqueueUntrusted, isJobName, queueFor, validateJobPayload, type RequestedBy } from '../../jobs/catalog.ts';
import { QueueNames, type QueueName } from '../../jobs/queues.ts';
import { ErrorCodes, isAppError } from '../../shared/errors.ts';
import type { Role } from '../auth/auth.ts';
import type { HttpDeps } from '../context.ts';
import { redactForReadonly, scrubPaths, withoutSeal } from '../redact.ts';

/** Enqueueing and reading jobs for the API and the review UI. */

/** Queues whose jobs the API may show (intake jobs carry raw mail and are left to the dashboard). */
const READABLE: readonly QueueName[] = [QueueNames.sep, QueueNames.tracking, QueueNames.incidentReady];
/** Keys that say who asked; only the server sets them, so a caller cannot claim to be automation. */
const RESERVED = ['requestedBy', 'senderVerdict'];

export type EnqueueOutcome =
  | { ok: true; jobId: string; repeated: boolean }
  | { ok: false; status: 400 | 404; problems: string[] }
  | { ok: false; status: 409; code: 'REQUEST_KEY_REUSED'; problems: string[]; jobId: string };

/**
 * An explicit request always runs as a new job; the one exception is its request key (the API's Idempotency-Key,
 * the review UI's form nonce): the same key with the same request within 24 h answers with the first job
 * (`repeated`), the same key with another request is refused (409 REQUEST_KEY_REUSED).
 */
export async function submitJob(
  deps: HttpDeps,
  name: string,
  body: unknown,
  requestedBy: RequestedBy,
  requestKey?: { scope: string; key: string },
): Promise<EnqueueOutcome> {
  if (!isJobName(name)) return { ok: false, status: 404, problems: [`unknown job name '${name}'`] };
  const problems: string[] = [];
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const k of RESERVED) if (k in body) problems.push(`${k}: set by the server, not by the caller`);
  }
  const v = validateJobPayload(name, body ?? {});
  if (!v.ok) problems.push(...v.problems);
  if (problems.length > 0) return { ok: false, status: 400, problems };
  const queue = deps.queues[queueFor(name)];
  try {
    const r = await enqueueUntrusted(queue, name, body, {
      redis: deps.redis,
      requestedBy,
      dedupWindowSec: deps.config.enrich.dedupWindowSec,
      ...(requestKey ? { requestKey } : {}),
    });
    return { ok: true, jobId: r.jobId, repeated: r.existing === 'repeated' };
  } catch (err) {
    if (!isAppError(err) || err.code !== ErrorCodes.REQUEST_KEY_REUSED) throw err;
    const jobId = String(err.details?.jobId ?? '');
    return { ok: false, status: 409, code: 'REQUEST_KEY_REUSED', problems: [err.message], jobId };
  }
}

export interface JobView {
  id: string;
  name: string;
  queue: string;
  state: string;
  data: unknown;
  result: unknown;
  failedReason: string | null;
  attemptsMade: number;
  progress: unknown;
  createdAt: number;
  finishedAt: number | null;
}

/**
 * The job as `role` may see it: never the automation seal; read-only principals also get no absolute server
 * paths (base names instead) in data, result and failure text.
 */
export async function findJob(deps: HttpDeps, id: string, role: Role): Promise<JobView | undefined> {
  for (const q of READABLE) {
    // State first, then the job: read the other way round, a job finishing in between shows as completed
    // with the return value of its earlier snapshot (none).
    const state = await deps.queues[q].getJobState(id);
    if (state === 'unknown') continue;
    const job: Job | undefined = await deps.queues[q].getJob(id);
    if (!job) continue;
    const ro = role !== 'operator';
    const roots = deps.serverRoots;
    return {
      id,
      name: job.name,
      queue: q,
      state,
      data: ro ? redactForReadonly(job.data, roots) : withoutSeal(job.data),
      result: ro ? redactForReadonly(job.returnvalue ?? null, roots) : withoutSeal(job.returnvalue ?? null),
      failedReason: job.failedReason ? (ro ? scrubPaths(job.failedReason) : job.failedReason) : null,
      attemptsMade: job.attemptsMade,
      progress: job.progress,
      createdAt: job.timestamp,
      finishedAt: job.finishedOn ?? null,
    };
  }
  return undefined;
}

export function isTerminal(state: string): boolean {
  return state === 'completed' || state === 'failed';
}

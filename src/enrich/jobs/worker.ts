import { UnrecoverableError, type Job, type Queue, type Worker } from 'bullmq';
import { describeError, isAppError } from '../../shared/errors.ts';
import type { QueueName, QueueNames } from '../../jobs/queues.ts';
import { autoEnrich } from '../playbooks/auto.ts';
import type { JobContext, JobServices } from './context.ts';
import { runHandler } from './handlers.ts';
import {
  enqueueJob,
  formatIssues,
  invalidPayloadError,
  queueFor,
  validateJobPayload,
  type JobMeta,
} from '../../jobs/catalog.ts';
import { incidentReadySchema } from '../../jobs/hand-off-schemas.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recordUnsealedJob } from '../../shared/metrics.ts';
import { acceptJobSeal } from '../../jobs/seal-accept.ts';
import { claimsAutomation, getAutomationKey } from '../../jobs/seal.ts';

/**
 * BullMQ processors for the `sep`, `tracking` and `incident-ready` queues. Retries belong to BullMQ: an AppError
 * marked retryable (network, 5xx, 429, SEPM token trouble) is rethrown and retried with exponential backoff and
 * jitter; every other AppError (validation, 4xx, policy refusal) becomes an UnrecoverableError carrying its code,
 * so it fails at once.
 */

export interface WorkerDeps extends JobServices {
  queues: Record<typeof QueueNames.sep | typeof QueueNames.tracking, Queue>;
}

export function toBullError(err: unknown): Error {
  if (err instanceof UnrecoverableError) return err;
  if (isAppError(err)) return err.retryable ? err : new UnrecoverableError(describeError(err));
  return err instanceof Error ? err : new Error(String(err));
}

export function buildContext(deps: WorkerDeps, meta: JobMeta, jobId: string): JobContext {
  return {
    config: deps.config,
    sepm: deps.sepm,
    client: deps.client,
    soar: deps.soar,
    redis: deps.redis,
    prefix: deps.prefix,
    logger: deps.logger.child({ jobId }),
    meta: { ...meta, jobId },
    now: () => new Date(),
    enqueue: async (name, payload, opts = {}) => {
      // Both queues are in deps.queues: queueFor names only sep or tracking for a JobName.
      const queue = deps.queues[queueFor(name) as keyof WorkerDeps['queues']];
      return enqueueJob(queue, name, payload, {
        automationKey: await getAutomationKey(deps.redis, deps.prefix),
        redis: deps.redis,
        requestedBy: opts.requestedBy ?? meta.requestedBy,
        senderVerdict: opts.senderVerdict ?? meta.senderVerdict,
        dedupWindowSec: deps.config.enrich.dedupWindowSec,
        jobId: opts.jobId,
        delayMs: opts.delayMs,
      });
    },
  };
}

/**
 * True when the job data claims automation or a trusted sender without a valid seal for this job (seal.ts,
 * seal-accept.ts): added or altered by hand in the dashboard, copied under another id, re-added after the
 * original was gone, or expired. Logged without payload values; counted in sepm_intake_unsealed_jobs_total.
 */
export async function unsealedClaim(deps: WorkerDeps, job: Job): Promise<boolean> {
  if (!claimsAutomation(job.data)) return false;
  const seal = await acceptJobSeal(deps.redis, deps.prefix, job);
  if (seal.ok) return false;
  recordUnsealedJob(job.queueName, seal.reason);
  deps.logger.warn(
    { queue: job.queueName, job: job.name, jobId: job.id, seal: seal.reason },
    'job claims requestedBy auto / senderVerdict trusted without a valid seal: run as analyst, untrusted',
  );
  return true;
}

/** Processor of the `sep` and `tracking` queues: validate (untrusted dashboard input), dispatch, map errors. */
export function sepProcessor(deps: WorkerDeps): (job: Job) => Promise<unknown> {
  return async (job: Job) => {
    const v = validateJobPayload(job.name, job.data);
    if (!v.ok) throw new UnrecoverableError(describeError(invalidPayloadError(job.name, v.problems)));
    const meta: JobMeta = (await unsealedClaim(deps, job))
      ? { requestedBy: 'analyst', senderVerdict: 'untrusted', unsealedClaim: true }
      : v.meta;
    const ctx = buildContext(deps, meta, job.id ?? 'unknown');
    try {
      return await runHandler(v, ctx);
    } catch (err) {
      ctx.logger.warn({ job: job.name, err: describeError(err), attempt: job.attemptsMade + 1 }, 'job failed');
      throw toBullError(err);
    }
  };
}

export function incidentReadyProcessor(deps: WorkerDeps): (job: Job) => Promise<unknown> {
  return async (job: Job) => {
    const parsed = incidentReadySchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid incident-ready data: ${formatIssues(parsed.error.issues).join('; ')}`);
    }
    const { incidentId, artifacts, outcome } = parsed.data;
    // A replayed mail changed nothing on the incident: nothing new to enrich.
    if (outcome === 'duplicate') return { skipped: 'duplicate delivery' };
    // Only the intake worker's seal makes a sender trusted; a hand-added job enriches as untrusted (no containment).
    const senderVerdict = (await unsealedClaim(deps, job)) ? 'untrusted' : parsed.data.senderVerdict;
    const ctx = buildContext(deps, { requestedBy: 'auto', senderVerdict }, job.id ?? 'unknown');
    try {
      return await autoEnrich({ incidentId, senderVerdict, artifacts }, ctx);
    } catch (err) {
      throw toBullError(err);
    }
  };
}

export function startWorker(
  runtime: JobRuntime,
  name: QueueName,
  processor: (job: Job) => Promise<unknown>,
  deps: WorkerDeps,
  concurrency: number,
): Worker {
  const worker = runtime.worker(name, processor, { connection: deps.redis, concurrency });
  worker.on('error', (err) => deps.logger.error({ queue: name, err: describeError(err) }, 'worker error'));
  return worker;
}

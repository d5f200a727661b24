import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { getAutomationKey, withSeal } from './seal.ts';
import type { Logger } from '../shared/logger.ts';
import { QueueNames } from './queues.ts';
import { intakeJobId, mailIdentity, normaliseMessageId } from './intake-job-id.ts';
import { jobCatalog } from './catalog.ts';
import { INTAKE_JOB_NAME, type IntakeJobData, type IntakeOrigin } from './hand-off-schemas.ts';
import type { JobRuntime } from './runtime.ts';

/**
 * The producer side of the `intake` queue. Raw mail travels base64-encoded in the job data: jobs stay
 * self-contained (a retry days later still has the mail) and completed jobs are trimmed by age/count so Redis
 * memory stays bounded during an alert storm. Every job carries an origin seal (jobs/seal.ts: HMAC over
 * job name, job id, origin, the raw mail and the rest of the data, valid 24 h): the intake worker trusts a sender
 * verdict only from a sealed job, so a job added or edited by hand on the dashboard never becomes automation.
 */

export interface EnqueueInput {
  raw: Buffer;
  messageId?: string | undefined;
  origin: IntakeOrigin;
}

export interface IntakeProducer {
  readonly queue: Queue<IntakeJobData>;
  /** Resolves only once Redis has the job (or already had it); returns the deterministic job id. */
  enqueue(input: EnqueueInput): Promise<string>;
  enqueueMany(inputs: EnqueueInput[]): Promise<string[]>;
  /** Re-seals a failed job's data (its seal may have expired) and retries it (replay CLI). */
  retryFailed(job: Job<IntakeJobData>): Promise<void>;
  close(): Promise<void>;
}

export function buildIntakeJob(input: EnqueueInput, now = Date.now()): { jobId: string; data: IntakeJobData } {
  const messageId = normaliseMessageId(input.messageId);
  const identity = mailIdentity(messageId, input.raw);
  const data: IntakeJobData = {
    rawB64: input.raw.toString('base64'),
    identity,
    origin: input.origin,
    enqueuedAt: now,
    ...(messageId ? { messageId } : {}),
  };
  return { jobId: intakeJobId(input.origin.source, identity), data };
}

/** `connection` is the caller's (it also reads the automation key); the queue comes from the runtime. */
export function createIntakeProducer(runtime: JobRuntime, connection: Redis, _logger?: Logger): IntakeProducer {
  const prefix = runtime.prefix;
  const queue = runtime.queue<IntakeJobData>(QueueNames.intake, connection);
  // Connection errors also reject the pending add (the caller then leaves the mail unmarked); the runtime's
  // 'error' listener (main.ts createJobRuntime) logs them once per cause.
  const seal = async (jobId: string, data: IntakeJobData): Promise<IntakeJobData> =>
    withSeal(await getAutomationKey(connection, prefix), { jobName: INTAKE_JOB_NAME, jobId }, data);
  const enqueueMany = async (inputs: EnqueueInput[]): Promise<string[]> => {
    if (inputs.length === 0) return [];
    const jobs = inputs.map((i) => buildIntakeJob(i));
    const sealed = await Promise.all(jobs.map(async (j) => ({ ...j, data: await seal(j.jobId, j.data) })));
    // addBulk is one MULTI: either Redis has all jobs or the call rejects and nothing is marked processed.
    await queue.addBulk(
      sealed.map((j) => ({
        name: INTAKE_JOB_NAME,
        data: j.data,
        opts: { ...jobCatalog[INTAKE_JOB_NAME].options, jobId: j.jobId },
      })),
    );
    return jobs.map((j) => j.jobId);
  };
  return {
    queue,
    enqueueMany,
    enqueue: async (input) => (await enqueueMany([input]))[0] as string,
    retryFailed: async (job) => {
      if (!job.id) throw new Error('intake job without id');
      await job.updateData(await seal(job.id, job.data));
      await job.retry('failed');
    },
    close: () => queue.close(),
  };
}

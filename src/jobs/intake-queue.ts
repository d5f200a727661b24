import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { getAutomationKey, withSeal } from './seal.ts';
import type { Logger } from '../shared/logger.ts';
import { QueueNames } from './queues.ts';
import { intakeJobId, mailIdentity, normaliseMessageId } from './intake-job-id.ts';

/**
 * The producer side of the `intake` queue. Raw mail travels base64-encoded in the job data: jobs stay
 * self-contained (a retry days later still has the mail) and completed jobs are trimmed by age/count so Redis
 * memory stays bounded during an alert storm. Every job carries an origin seal (jobs/seal.ts: HMAC over
 * job name, job id, origin, the raw mail and the rest of the data, valid 24 h): the intake worker trusts a sender
 * verdict only from a sealed job, so a job added or edited by hand on the dashboard never becomes automation.
 */

export const INTAKE_JOB_NAME = 'mail';

export interface IntakeOrigin {
  kind: 'imap' | 'spool' | 'replay';
  /** imap: the source name; spool/replay: 'spool' (one job-id namespace). */
  source: string;
  mailbox?: string;
  uidValidity?: string;
  uid?: number;
  /** spool/replay: the file's base name, never a server path (job data is shown on the dashboard). */
  file?: string;
}

export interface IntakeJobData {
  rawB64: string;
  /** Message-ID without angle brackets, when the mail has one. */
  messageId?: string;
  /** `mid:<Message-ID>` or `sha256:<hex>`: the identity used for the job id and SOAR's sourceMessageId. */
  identity: string;
  origin: IntakeOrigin;
  /** Epoch ms when the producer queued it (latency measurements). */
  enqueuedAt: number;
  /** Origin seal (seal.ts), added by createIntakeProducer. */
  automationSeal?: string;
}

export const INTAKE_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  // 2 s, 4 s, 8 s … with jitter so a SOAR outage does not end in a synchronized retry wave.
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  // Completed jobs are kept for 3 days (job-id dedup window) but never more than 50k of them.
  removeOnComplete: { age: 3 * 24 * 3600, count: 50_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

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

export function createIntakeProducer(connection: Redis, prefix: string, logger?: Logger): IntakeProducer {
  const queue = new Queue<IntakeJobData>(QueueNames.intake, { connection, prefix });
  // Connection errors also reject the pending add (the caller then leaves the mail unmarked); this only logs.
  queue.on('error', (err: Error) => logger?.warn({ err: err.message }, 'intake queue connection error'));
  const seal = async (jobId: string, data: IntakeJobData): Promise<IntakeJobData> =>
    withSeal(await getAutomationKey(connection, prefix), { jobName: INTAKE_JOB_NAME, jobId }, data);
  const enqueueMany = async (inputs: EnqueueInput[]): Promise<string[]> => {
    if (inputs.length === 0) return [];
    const jobs = inputs.map((i) => buildIntakeJob(i));
    const sealed = await Promise.all(jobs.map(async (j) => ({ ...j, data: await seal(j.jobId, j.data) })));
    // addBulk is one MULTI: either Redis has all jobs or the call rejects and nothing is marked processed.
    await queue.addBulk(
      sealed.map((j) => ({ name: INTAKE_JOB_NAME, data: j.data, opts: { ...INTAKE_JOB_OPTIONS, jobId: j.jobId } })),
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

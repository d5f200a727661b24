import { UnrecoverableError, type Job, type Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Artifact, MailMeta, MailParseResult, SenderVerdict, SepNotification } from '../mail/types.ts';
import { ErrorCodes, describeError, isAppError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { recordAnalysis, recordUnsealedJob } from '../shared/metrics.ts';
import { QueueNames } from '../jobs/queues.ts';
import { acceptJobSeal } from '../jobs/seal-accept.ts';
import { getAutomationKey, withSeal } from '../jobs/seal.ts';
import type { NewIncident, SoarClient } from '../soar/port.ts';
import { incidentReadyJobId } from '../jobs/intake-job-id.ts';
import { jobCatalog, formatIssues } from '../jobs/catalog.ts';
import {
  INCIDENT_READY_JOB_NAME,
  intakeJobSchema,
  type IncidentReadyData,
  type IntakeJobData,
} from '../jobs/hand-off-schemas.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import { withTimeout } from '../shared/timeout.ts';
import { countIntakeFailure, countIntakeResult } from './outcome-metrics.ts';

/**
 * The intake worker: raw mail → analyzeMail (parse, sender verdict, whitelist) → incidents → SOAR
 * find-or-create/merge → one `incident-ready` job per incident for enrichment. Every step is idempotent for a
 * retried job: SOAR dedups on (sourceMessageId, dedupKey) and the hand-off job id is deterministic.
 * The sender verdict is computed from the raw mail in the job, which the dashboard lets a user write: it is
 * handed on as `trusted` only when the intake job's origin seal (intake-queue.ts) verified for this job.
 */

export type IntakeResult =
  | { status: 'rejected'; reason: string }
  | { status: 'ingested'; incidents: { id: number; outcome: string; dedupKey: string }[] };

export interface IntakeDeps {
  /**
   * The one decision (intake/analyze.ts decideMail, also behind `sepm-intake parse`): envelope filter, sender
   * authenticity (`sender_untrusted` when a check is configured), classification, whitelist.
   */
  analyze: (raw: Buffer) => Promise<MailParseResult>;
  toIncidents: (n: SepNotification, artifacts: Artifact[], mail: MailMeta) => NewIncident[];
  soar: SoarClient;
  /** Merge repeats into an open incident updated within this window, ms. */
  mergeWindowMs: number;
  /** Resolves once Redis has the hand-off job. */
  handOff: (jobId: string, data: IncidentReadyData) => Promise<void>;
}

/** Reject reasons that no retry can change: the job fails permanently (visible, retryable by hand after a fix). */
const PERMANENT_REJECTS: Record<string, string> = {
  unreadable: ErrorCodes.MAIL_UNREADABLE,
  too_large: ErrorCodes.MAIL_TOO_LARGE,
};

export interface IntakeJobContext {
  /**
   * True when the job's origin seal verified (a mail source or the replay CLI made it, unchanged, this job id).
   * False: the mail is still processed (an incident, enrichment) but its verdict is untrusted, so no automation.
   */
  originVerified: boolean;
}

export async function processIntake(
  data: IntakeJobData,
  deps: IntakeDeps,
  job: IntakeJobContext = { originVerified: false },
): Promise<IntakeResult> {
  const raw = Buffer.from(data.rawB64, 'base64');
  const result = recordAnalysis(await permanentUnlessRetryable(() => deps.analyze(raw)));
  if (!result.accepted) {
    const reason = result.rejectReason ?? 'rejected';
    const code = PERMANENT_REJECTS[reason];
    if (code) throw new UnrecoverableError(`${code}: mail cannot be processed (${reason})`);
    return { status: 'rejected', reason };
  }
  if (!result.notification)
    throw new UnrecoverableError(`${ErrorCodes.MAIL_PARSE_FAILED}: accepted mail without notification`);
  const notification = result.notification;
  const incidents = deps.toIncidents(notification, result.artifacts, result.mail);
  const sourceMessageId = data.messageId ?? data.identity;
  const senderVerdict: SenderVerdict = job.originVerified ? result.sender.verdict : 'untrusted';
  const done: { id: number; outcome: string; dedupKey: string }[] = [];
  for (const inc of incidents) {
    const r = await permanentUnlessRetryable(() =>
      deps.soar.findOrCreateIncident(inc, { sourceMessageId, mergeWindowMs: deps.mergeWindowMs }),
    );
    // Handed off even for 'duplicate': a crash after SOAR but before the hand-off must not lose enrichment.
    await deps.handOff(incidentReadyJobId(r.incident.id, `${sourceMessageId}\u0000${inc.dedupKey}`), {
      incidentId: r.incident.id,
      outcome: r.outcome,
      dedupKey: inc.dedupKey,
      events: notification.events,
      artifacts: inc.artifacts,
      senderVerdict,
      messageId: sourceMessageId,
    });
    done.push({ id: r.incident.id, outcome: r.outcome, dedupKey: inc.dedupKey });
  }
  return { status: 'ingested', incidents: done };
}

/** Non-retryable AppErrors (validation, 4xx) become UnrecoverableError with their code; the rest is retried. */
async function permanentUnlessRetryable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isAppError(err) && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
}

export interface IntakeWorkerOptions {
  runtime: JobRuntime;
  /** Connection for the worker and the hand-off queue (maxRetriesPerRequest null), owned by the caller. */
  connection: Redis;
  deps: Omit<IntakeDeps, 'handOff'>;
  /** Jobs processed in parallel by this process. */
  concurrency?: number;
  logger: Logger;
}

export interface IntakeWorkerHandle {
  readonly worker: Worker<IntakeJobData, IntakeResult>;
  readonly readyQueue: Queue<IncidentReadyData>;
  /** Stops taking jobs; running ones get deadlineMs to finish, then are left to BullMQ's stalled-job recovery. */
  close(deadlineMs?: number): Promise<void>;
}

/** The job's data by the one intake schema; a job added by hand with other data fails at once, every problem listed. */
function parseIntakeJob(job: Job<IntakeJobData>): IntakeJobData {
  const parsed = intakeJobSchema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  throw new UnrecoverableError(`${ErrorCodes.JOB_PAYLOAD_INVALID}: ${formatIssues(parsed.error.issues).join('; ')}`);
}

/** Checks the intake job's origin seal (once per attempt); a failure is logged with the job id and counted. */
async function originOf(o: IntakeWorkerOptions, log: Logger, job: Job<IntakeJobData>): Promise<IntakeJobContext> {
  const seal = await acceptJobSeal(o.connection, o.runtime.prefix, job);
  if (seal.ok) return { originVerified: true };
  recordUnsealedJob(QueueNames.intake, seal.reason);
  log.warn(
    { jobId: job.id, seal: seal.reason },
    'intake job without a valid origin seal (added or edited by hand?): processed, sender verdict untrusted',
  );
  return { originVerified: false };
}

export function createIntakeWorker(o: IntakeWorkerOptions): IntakeWorkerHandle {
  const readyQueue = o.runtime.queue<IncidentReadyData>(QueueNames.incidentReady, o.connection);
  const readyOptions = jobCatalog[INCIDENT_READY_JOB_NAME].options;
  const deps: IntakeDeps = {
    ...o.deps,
    handOff: async (jobId, data) => {
      const key = await getAutomationKey(o.connection, o.runtime.prefix);
      // Sealed only when it claims a trusted sender: an unsealed hand-off can never be taken for automation.
      const sealed =
        data.senderVerdict === 'trusted' ? withSeal(key, { jobName: INCIDENT_READY_JOB_NAME, jobId }, data) : data;
      await readyQueue.add(INCIDENT_READY_JOB_NAME, sealed, { ...readyOptions, jobId });
    },
  };
  const log = o.logger.child({ queue: QueueNames.intake });
  const worker = o.runtime.worker<IntakeJobData, IntakeResult>(
    QueueNames.intake,
    async (job) => processIntake(parseIntakeJob(job), deps, await originOf(o, log, job)),
    { connection: o.connection, concurrency: o.concurrency ?? 8 },
  );
  worker.on('completed', (_job, result) => countIntakeResult(result));
  worker.on('failed', (job, err) => {
    // finishedOn is set only when the job lands in the failed set (attempts exhausted or unrecoverable).
    if (job?.finishedOn) countIntakeFailure(err.message);
    log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: describeError(err) }, 'intake job failed');
  });
  // 'error' is logged by the runtime (main.ts createJobRuntime), once per cause, named by it.
  return {
    worker,
    readyQueue,
    close: async (deadlineMs = 30_000) => {
      try {
        await withTimeout(worker.close(), deadlineMs);
      } catch {
        log.warn({ deadlineMs }, 'intake jobs still running at the deadline; closing anyway (they will be retried)');
        await worker.close(true);
      }
      await readyQueue.close();
    },
  };
}

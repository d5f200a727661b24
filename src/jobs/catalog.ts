import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { QueueNames, type QueueName } from './queues.ts';
import {
  SEP_FUNCTION_NAMES,
  sepFunctionSchemas,
  type SepFunctionInput,
  type SepFunctionName,
  type SepFunctionRawInput,
} from '../sepm/functions/schemas.ts';
import { canonicalJson, freshJobId, requestMeaning } from './job-id.ts';
import { claimMeaning, claimRequestKey, releaseClaim, requestKeyId } from './dedup.ts';
import { claimsAutomation, withSeal } from './seal.ts';
import { PLAYBOOK_NAMES, playbookSchemas, type PlaybookName, type PlaybookPayload } from './playbook-schemas.ts';
import { INCIDENT_READY_JOB_NAME, INTAKE_JOB_NAME, incidentReadySchema, intakeJobSchema } from './hand-off-schemas.ts';

/**
 * Every job the `sep` and `tracking` queues run: the SEP functions (payload = the function's input) and the
 * playbooks (payload names the incident written back to). One schema per name; the same validation runs in
 * the HTTP API before enqueueing and in the worker before running (the dashboard can add jobs directly).
 */

/** The jobs of the `sep` and `tracking` queues: what the API, the review UI and the handlers know by name. */
export type JobName = SepFunctionName | PlaybookName;
/** Every job name of every queue (the hand-off jobs are added by the roles only, never through the API). */
export type CatalogName = JobName | typeof INTAKE_JOB_NAME | typeof INCIDENT_READY_JOB_NAME;
export type RequestedBy = 'auto' | 'analyst' | 'api';

/** A payload as a producer writes it (before defaults and normalisation): a wrong one is a compile error. */
export type JobOf<K extends JobName> = K extends SepFunctionName
  ? SepFunctionRawInput<K>
  : K extends PlaybookName
    ? z.input<(typeof playbookSchemas)[K]>
    : never;

/** A payload as its handler receives it (parsed once by the worker). */
export type JobPayloadMap = {
  [K in JobName]: K extends SepFunctionName ? SepFunctionInput<K> : K extends PlaybookName ? PlaybookPayload<K> : never;
};

export const JOB_NAMES: readonly JobName[] = [...SEP_FUNCTION_NAMES, ...PLAYBOOK_NAMES];

export const jobSchemas: Record<JobName, z.ZodType> = { ...sepFunctionSchemas, ...playbookSchemas };

/**
 * How a job's id is chosen: `mail` = source + Message-ID (or content hash), so a re-read mail is the same job;
 * `hand-off` = incident + mail + dedup key; `poll` = command + poll number (given by the scheduler);
 * `request` = a fresh id per enqueue (jobs/job-id.ts freshJobId); automatic requests with the same meaning are
 * deduplicated for `enrich.dedupWindowSec` from the first (jobs/dedup.ts), explicit ones by their request key.
 */
export type JobIdRule = 'mail' | 'hand-off' | 'poll' | 'request';

export interface JobSpec {
  queue: QueueName;
  schema: z.ZodType;
  /** BullMQ options: retries for transient trouble (permanent errors stop at once: UnrecoverableError). */
  options: JobsOptions;
  jobId: JobIdRule;
}

const exponential = (delayMs: number) => ({ type: 'exponential', delay: delayMs, jitter: 0.5 });
/**
 * 2 s, 4 s, 8 s … with jitter, so a SEPM or SOAR outage does not end in a synchronized retry wave. Finished jobs
 * stay a day (the life of a request key, so a repeated Idempotency-Key still shows its job), at most 10k of them.
 */
const REQUEST_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: exponential(2000),
  removeOnComplete: { age: 86_400, count: 10_000 },
  removeOnFail: { age: 86_400 },
};

function requestSpec(name: JobName): JobSpec {
  const queue = name === 'track-command' ? QueueNames.tracking : QueueNames.sep;
  return {
    queue,
    schema: jobSchemas[name],
    options: REQUEST_OPTIONS,
    jobId: name === 'track-command' ? 'poll' : 'request',
  };
}

/** One entry per job name: its queue, schema, options and id rule. */
export const jobCatalog: Record<CatalogName, JobSpec> = {
  ...(Object.fromEntries(JOB_NAMES.map((n) => [n, requestSpec(n)])) as Record<JobName, JobSpec>),
  [INTAKE_JOB_NAME]: {
    queue: QueueNames.intake,
    schema: intakeJobSchema,
    options: {
      attempts: 10,
      backoff: exponential(2000),
      // Completed jobs are kept for 3 days (job-id dedup window) but never more than 50k of them.
      removeOnComplete: { age: 3 * 24 * 3600, count: 50_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
    jobId: 'mail',
  },
  [INCIDENT_READY_JOB_NAME]: {
    queue: QueueNames.incidentReady,
    schema: incidentReadySchema,
    options: {
      attempts: 5,
      backoff: exponential(5000),
      removeOnComplete: { age: 3 * 24 * 3600, count: 50_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
    jobId: 'hand-off',
  },
};

export function isJobName(name: string): name is JobName {
  return Object.prototype.hasOwnProperty.call(jobSchemas, name);
}

/** Jobs that poll SEPM commands run on their own queue so long scans never hold up analyst actions. */
export function queueFor(name: JobName): QueueName {
  return jobCatalog[name].queue;
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

/** A parsed job whose payload type follows its name (a union over every name). */
export type ValidJob<K extends JobName = JobName> = {
  [N in K]: { ok: true; name: N; payload: JobPayloadMap[N]; meta: JobMeta };
}[K];

export type ValidationResult = ValidJob | { ok: false; problems: string[] };

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
  // The schema of `name` produced the data, so its type is that name's payload.
  return { ok: true, name, payload: parsed.data, meta } as ValidJob;
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
  /** A connection of the deployment: the dedup windows and request keys live there (jobs/dedup.ts). */
  redis: Redis;
  senderVerdict?: 'trusted' | 'untrusted';
  /**
   * Automatic requests (`requestedBy: 'auto'`) with the same meaning within this many seconds of the first are one
   * job (config enrich.dedupWindowSec; default 3600; 0 = no dedup). Explicit requests are never deduplicated.
   */
  dedupWindowSec?: number;
  /**
   * The request key of an explicit request (API Idempotency-Key, review-UI form nonce) and whose it is: the same
   * key and request within 24 h answer with the first job; the same key with another request is refused.
   */
  requestKey?: { scope: string; key: string };
  /** Explicit id (tracking re-schedules); otherwise a fresh one. */
  jobId?: string;
  delayMs?: number;
  /**
   * The deployment's automation key (seal.ts getAutomationKey). Required when the job claims `requestedBy: 'auto'`
   * or `senderVerdict: 'trusted'`: the worker honours those claims only with a valid seal.
   */
  automationKey?: string;
}

/** The job that answers a request; `existing` when no job was added (see EnqueueOptions). */
export interface EnqueueResult {
  jobId: string;
  /** `deduplicated`: an automatic request inside the window of the same one; `repeated`: the same request key. */
  existing?: 'deduplicated' | 'repeated';
}

/** A job a producer asks for: the payload type follows the name (a union over every name). */
export type JobRequest<K extends JobName = JobName> = { [N in K]: { name: N; payload: JobOf<N> } }[K];

/**
 * Validates and enqueues a job the code itself builds: a wrong payload for `name` is a compile error (a type test
 * shows it) and still a JOB_PAYLOAD_INVALID AppError at run time (every problem listed) without enqueueing.
 * The same request inside one dedup window gets the same job id, so BullMQ keeps only the first.
 */
export async function enqueueJob<K extends JobName>(
  queue: Queue,
  name: K,
  payload: JobOf<K>,
  opts: EnqueueOptions,
): Promise<EnqueueResult> {
  return enqueueUntrusted(queue, name, payload, opts);
}

/** The same for a payload from outside (API body, review-UI form, dashboard), validated against its name. */
export async function enqueueUntrusted(
  queue: Queue,
  name: string,
  payload: unknown,
  opts: EnqueueOptions,
): Promise<EnqueueResult> {
  const v = validateJobPayload(name, payload);
  if (!v.ok) throw invalidPayloadError(name, v.problems);
  const target: Record<string, unknown> = v.payload;
  const jobId = opts.jobId ?? freshJobId(name, target);
  const claim = opts.jobId ? undefined : await claimFor(queue, name, target, jobId, opts);
  if (claim && 'existing' in claim) return claim.existing;
  const data: Record<string, unknown> = { ...v.payload, requestedBy: opts.requestedBy };
  const verdict = opts.senderVerdict ?? v.meta.senderVerdict;
  if (verdict) data.senderVerdict = verdict;
  if (claimsAutomation(data) && !opts.automationKey) {
    // A programming error, not bad input: an unsealed claim would silently run as an untrusted analyst request.
    throw new Error(`enqueueJob ${name}: requestedBy auto / senderVerdict trusted need opts.automationKey`);
  }
  // Sealed for this job id (known before the add), so a copy under another id fails.
  const sealed =
    claimsAutomation(data) && opts.automationKey ? withSeal(opts.automationKey, { jobName: name, jobId }, data) : data;
  try {
    await queue.add(name, sealed, { ...jobCatalog[v.name].options, jobId, delay: opts.delayMs });
  } catch (err) {
    // Not added: give the window / request key back, so the retry of this request is not answered with nothing.
    if (claim) await releaseClaim({ redis: opts.redis, queue }, claim.kind, claim.name, jobId).catch(() => undefined);
    throw err;
  }
  return { jobId };
}

type Claim = { kind: 'dedup' | 'reqkey'; name: string } | { existing: EnqueueResult };

/** Automatic work: one job per meaning and window. Explicit work with a request key: one job per key. */
async function claimFor(
  queue: Queue,
  name: string,
  target: Record<string, unknown>,
  jobId: string,
  opts: EnqueueOptions,
): Promise<Claim | undefined> {
  const windowSec = opts.dedupWindowSec ?? 3600;
  if (opts.requestedBy === 'auto') {
    if (windowSec <= 0) return undefined;
    const meaning = requestMeaning(name, target);
    const holder = await claimMeaning({ redis: opts.redis, queue }, meaning, jobId, windowSec * 1000);
    return holder ? { existing: { jobId: holder, existing: 'deduplicated' } } : { kind: 'dedup', name: meaning };
  }
  if (!opts.requestKey) return undefined;
  const { scope, key } = opts.requestKey;
  const fingerprint = `${name}\u0000${canonicalJson(target)}`;
  const held = await claimRequestKey({ redis: opts.redis, queue }, scope, key, fingerprint, jobId);
  if (held.kind === 'same') return { existing: { jobId: held.jobId, existing: 'repeated' } };
  if (held.kind === 'conflict') {
    throw new AppError(
      ErrorCodes.REQUEST_KEY_REUSED,
      `request key already used for another request (job ${held.jobId}); use a new key for a new request`,
      { status: 409, details: { jobId: held.jobId } },
    );
  }
  return { kind: 'reqkey', name: requestKeyId(scope, key) };
}

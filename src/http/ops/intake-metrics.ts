import type { Logger } from '../../shared/logger.ts';
import { incidentsTotal, mailsRejected, parseFailures } from '../../shared/metrics.ts';
import { QueueNames } from '../../jobs/queues.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';

/**
 * Intake outcomes counted from the queue's event stream, so the web role reports what every intake worker did
 * (they may run in other processes). Counts start when this process starts.
 */

interface IntakeReturn {
  status?: string;
  reason?: string;
  incidents?: { outcome?: string }[];
}

const KNOWN_OUTCOMES = new Set(['created', 'merged', 'duplicate']);

export function countIntakeResult(value: unknown): void {
  const r = (typeof value === 'string' ? safeParse(value) : value) as IntakeReturn | undefined;
  if (!r || typeof r !== 'object') return;
  if (r.status === 'rejected') {
    mailsRejected.inc({ reason: boundedLabel(r.reason ?? 'rejected') });
    // A mail that looked like a SEPM risk notification but yielded no event is a parser miss.
    if (r.reason === 'no_events') parseFailures.inc();
    return;
  }
  for (const inc of r.incidents ?? []) {
    if (inc.outcome && KNOWN_OUTCOMES.has(inc.outcome)) incidentsTotal.inc({ outcome: inc.outcome });
  }
}

export function countIntakeFailure(failedReason: string): void {
  // Failure reasons start with the error code ("MAIL_PARSE_FAILED: ...").
  const code = /^([A-Z][A-Z0-9_]+):/.exec(failedReason)?.[1];
  if (code === 'MAIL_PARSE_FAILED' || code === 'MAIL_UNREADABLE') parseFailures.inc();
  if (code?.startsWith('MAIL_')) mailsRejected.inc({ reason: code.toLowerCase() });
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Reasons are codes like "not_risk"; anything else collapses so label cardinality stays bounded. */
function boundedLabel(reason: string): string {
  return /^[a-z0-9_]{1,40}$/.test(reason) ? reason : 'other';
}

export async function startIntakeMetrics(runtime: JobRuntime, logger: Logger): Promise<{ close(): Promise<void> }> {
  const events = runtime.queueEvents(QueueNames.intake);
  events.on('error', (err) => logger.warn({ err: err.message }, 'intake events error'));
  events.on('completed', ({ returnvalue }) => countIntakeResult(returnvalue));
  // BullMQ emits 'failed' only when a job lands in the failed set (attempts exhausted or unrecoverable).
  events.on('failed', ({ failedReason }) => countIntakeFailure(failedReason));
  await events.waitUntilReady();
  return { close: () => events.close() };
}

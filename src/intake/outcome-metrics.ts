import { incidentsTotal, mailsRejected, parseFailures } from '../shared/metrics.ts';

/**
 * Intake outcomes, counted by the intake worker that finished the job, in its own process: each outcome is counted
 * exactly once in the whole deployment (summing the series over every process is the deployment's total), however
 * many web replicas there are. The web role used to count them from the queue's event stream, which made every
 * replica count every outcome (docs/operations.md "What to scrape").
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

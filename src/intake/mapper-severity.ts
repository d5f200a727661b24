import { NotificationTypes, type NotificationType, type RiskEvent } from '../mail/types.ts';
import { maxSeverity } from '../soar/merge-rules.ts';
import type { Severity } from '../soar/port.ts';

/**
 * Incident severity from the notification type, the actions SEP took and the outbreak size (pure).
 * Classification follows docs/reference/sepm-notifications.md §7 "Suggested classification": a threat SEP removed is Low, one it
 * left in place or failed on is High; anything we cannot place is Medium.
 */

export type ActionClass = 'remediated' | 'needs_attention' | 'unknown';

/** SEPM action codes (ALERTS.ACTUALACTION). */
const REMEDIATED_CODES: ReadonlySet<number> = new Set([1, 3, 5, 6, 19]);
const ATTENTION_CODES: ReadonlySet<number> = new Set([4, 14, 15, 16, 22, 23, 24, 25, 98, 99, 102, -1]);

const REMEDIATED_NAMES: ReadonlySet<string> = new Set([
  'quarantined',
  'deleted',
  'cleaned',
  'cleaned by deletion',
  'cleaned or macros deleted',
]);
const ATTENTION_NAMES: ReadonlySet<string> = new Set([
  'left alone',
  'all actions failed',
  'no repair available',
  'pending repair',
  'partially repaired',
  'process termination pending restart',
  'process terminate pending restart',
  'details pending',
  'allowed by user',
  'action invalid',
  'suspicious',
  'repairfailedpowereraser',
  'repairfailedpowereraser2',
]);

/** Outbreaks touching at least this many computers are never Low. */
export const OUTBREAK_COMPUTERS = 3;

export function classifyAction(ev: Pick<RiskEvent, 'action' | 'actionCode' | 'actionRaw'>): ActionClass {
  if (ev.actionCode !== undefined) {
    if (REMEDIATED_CODES.has(ev.actionCode)) return 'remediated';
    if (ATTENTION_CODES.has(ev.actionCode)) return 'needs_attention';
  }
  const text = (ev.action ?? ev.actionRaw ?? '').trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
  if (REMEDIATED_NAMES.has(text)) return 'remediated';
  if (ATTENTION_NAMES.has(text)) return 'needs_attention';
  // Custom templates and syslog-style texts: any failure wording means SEP did not finish the job.
  if (/\bfail|\bnot (?:removed|cleaned|quarantined)|left alone/.test(text)) return 'needs_attention';
  return 'unknown';
}

/** The same order the incident stores merge by (soar/merge-rules.ts). */
export const worseSeverity = maxSeverity;

export interface SeverityContext {
  type: NotificationType;
  /** Distinct computers across the whole notification (outbreak size). */
  computerCount: number;
}

/** Severity of one incident built from `events` (the worst of its events). */
export function severityFor(events: readonly RiskEvent[], ctx: SeverityContext): Severity {
  if (ctx.type === NotificationTypes.securityAlert) return 'High';
  let severity: Severity = 'Low';
  for (const ev of events) {
    const cls = classifyAction(ev);
    severity = worseSeverity(severity, cls === 'needs_attention' ? 'High' : cls === 'unknown' ? 'Medium' : 'Low');
  }
  if (severity === 'Low') {
    const bigOutbreak = ctx.type === NotificationTypes.riskOutbreak && ctx.computerCount >= OUTBREAK_COMPUTERS;
    if (ctx.type === NotificationTypes.newRiskDetected || bigOutbreak) return 'Medium';
  }
  return severity;
}

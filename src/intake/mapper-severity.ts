import { severitySchema } from '../config/severity.ts';
import type { RiskEvent } from '../mail/types.ts';
import { maxSeverity, severityRank } from '../soar/merge-rules.ts';
import type { Severity } from '../soar/port.ts';
import {
  compileSeverityRules,
  matchingRules,
  sortReasons,
  worstOf,
  type CompiledSeverityRules,
  type RuleContext,
  type SeverityReason,
} from './severity-rules.ts';

/**
 * Incident severity from the actions SEP took (pure), raised by the soar.severity rules (severity-rules.ts).
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

export interface SeverityContext extends RuleContext {
  /** Compiled soar.severity.rules; the defaults when absent. */
  rules?: CompiledSeverityRules;
}

export interface SeverityAssessment {
  severity: Severity;
  /** Every reason, the ones that decided the severity first (shown in the incident). */
  reasons: SeverityReason[];
}

const DEFAULT_RULES = severitySchema.parse({});

/** What SEP's own action says: removed → Low, unknown → Medium, left in place or failed → High. */
function actionReason(events: readonly RiskEvent[]): SeverityReason {
  let worst: SeverityReason | null = null;
  for (const ev of events) {
    const cls = classifyAction(ev);
    const action = ev.action ?? ev.actionRaw;
    const on = hostLabel(ev);
    const r: SeverityReason =
      cls === 'needs_attention'
        ? { severity: 'High', text: `action ${action ?? ev.actionCode ?? '?'}${on}: SEP did not remove the risk` }
        : cls === 'unknown'
          ? { severity: 'Medium', text: action ? `action ${action}${on} is not a known removal` : 'no action reported' }
          : { severity: 'Low', text: `SEP removed the risk (${action ?? ev.actionCode ?? '?'})` };
    if (!worst || severityRank(r.severity) > severityRank(worst.severity)) worst = r;
  }
  return worst ?? { severity: 'Medium', text: 'no event' };
}

function hostLabel(ev: RiskEvent): string {
  const host = ev.computer ?? ev.targetComputer;
  return host ? ` on ${host}` : '';
}

/**
 * Severity of one incident built from `events`: the worst of SEP's action outcome and every matching
 * soar.severity rule (risk family, spread, servers, protected assets, notification type), with the reasons.
 */
export function assessSeverity(events: readonly RiskEvent[], ctx: SeverityContext): SeverityAssessment {
  const rules = ctx.rules ?? compileSeverityRules(DEFAULT_RULES);
  const reasons = [actionReason(events), ...matchingRules(rules, events, ctx)];
  return { severity: worstOf(reasons), reasons: sortReasons(reasons) };
}

/** Severity of one incident built from `events` (the worst of its events and the rules). */
export function severityFor(events: readonly RiskEvent[], ctx: SeverityContext): Severity {
  return assessSeverity(events, ctx).severity;
}

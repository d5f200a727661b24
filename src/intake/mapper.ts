import { createHash } from 'node:crypto';
import {
  NotificationTypes,
  type Artifact,
  type MailMeta,
  type NotificationType,
  type RiskEvent,
  type SepNotification,
} from '../mail/types.ts';
import { describeIncident } from './mapper-html.ts';
import { assessSeverity, type SeverityAssessment } from './mapper-severity.ts';
import type { CompiledSeverityRules } from './severity-rules.ts';
import type { NewIncident } from '../soar/port.ts';

/**
 * Parsed SEPM notification → incidents to find-or-create (pure). One incident per distinct dedup key: an outbreak
 * mail with events on three computers becomes three incidents, each carrying the artifacts of its own events plus
 * the ones no single event claims.
 */

export const NAME_MAX = 255;
const DEDUP_PREFIX = 'sep1:';

const TYPE_LABELS: Partial<Record<NotificationType, string>> = {
  [NotificationTypes.singleRiskEvent]: 'Single Risk Event',
  [NotificationTypes.newRiskDetected]: 'New Risk Detected',
  [NotificationTypes.riskOutbreak]: 'Risk Outbreak',
  [NotificationTypes.securityAlert]: 'Security Alert',
  [NotificationTypes.unknown]: 'Alert',
};

export function typeLabel(type: NotificationType): string {
  return (
    TYPE_LABELS[type] ??
    type
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' ')
  );
}

const fold = (v: string | undefined): string => (v ?? '').trim().toLowerCase().replace(/\s+/g, ' ');

/** Windows paths are case-insensitive and SEPM writes them with either slash; `C:\A\\b` ≡ `c:/a/b`. */
export function normalisePath(path: string): string {
  return fold(path)
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/\/$/, '');
}

function hostOf(ev: RiskEvent): string | undefined {
  return ev.computer ?? ev.targetComputer ?? ev.targetIp ?? ev.ips[0];
}

/**
 * Stable identity of "this risk on this computer": computer + risk name + file path (else hash, else the
 * attacker IP of a security alert), normalised, hashed. Version-prefixed so a future rule change cannot collide.
 */
export function dedupKeyFor(event: RiskEvent): string {
  const host = fold(hostOf(event)).replace(/\.$/, '');
  const risk = fold(event.riskName) || (event.attackerIp ? 'security alert' : '');
  const object = event.filePath ? normalisePath(event.filePath) : fold(event.hash?.value ?? event.attackerIp);
  const digest = createHash('sha256').update(`${host}\n${risk}\n${object}`, 'utf8').digest('hex');
  return `${DEDUP_PREFIX}${digest}`;
}

export interface MapOptions {
  /** Epoch ms used when no date is known at all (injected for tests). */
  now?: number;
  /** Compiled soar.severity.rules (compileSeverityRules); the defaults when absent. */
  severityRules?: CompiledSeverityRules;
}

export function mapToIncidents(
  n: SepNotification,
  artifacts: Artifact[],
  mail: MailMeta,
  options: MapOptions = {},
): NewIncident[] {
  const groups = new Map<string, RiskEvent[]>();
  for (const ev of n.events) {
    const key = dedupKeyFor(ev);
    const list = groups.get(key);
    if (list) list.push(ev);
    else groups.set(key, [ev]);
  }
  const computers = new Set(n.events.map((e) => fold(hostOf(e))).filter(Boolean));
  const claims = artifacts.map((a) => n.events.filter((ev) => relevantValues(ev).has(fold(a.value))));
  const securityAlert = n.type === NotificationTypes.securityAlert;
  return [...groups].map(([dedupKey, events]) => {
    const ctx = { type: n.type, computerCount: computers.size };
    const assessed = assessSeverity(events, options.severityRules ? { ...ctx, rules: options.severityRules } : ctx);
    return {
      dedupKey,
      name: incidentName(n.type, events[0]!),
      description: describeIncident(n, events, mail, assessed),
      descriptionFormat: 'html' as const,
      discoveredDate: discoveredDate(events, n, mail, options.now),
      severity: assessed.severity,
      severityReason: decidingReasons(assessed),
      incidentTypes: [securityAlert ? 'System Intrusion' : 'Malware'],
      properties: propertiesFor(n, events, mail),
      // An artifact claimed by no event (e.g. one the whitelist reshaped) is shared by every incident of the mail.
      artifacts: artifacts.filter((_, i) => claims[i]!.length === 0 || claims[i]!.some((ev) => events.includes(ev))),
    };
  });
}

/** The reasons that set the severity (those at the final level), one line. */
export function decidingReasons(a: SeverityAssessment): string {
  return a.reasons
    .filter((r) => r.severity === a.severity)
    .map((r) => r.text)
    .join('; ');
}

/** Values of an event an artifact may carry (folded), to decide which incident an artifact belongs to. */
function relevantValues(ev: RiskEvent): Set<string> {
  const values = [ev.computer, ev.targetComputer, ev.targetIp, ev.attackerIp, ev.user, ev.riskName, ev.hash?.value];
  values.push(...ev.ips);
  const out = new Set(values.map(fold).filter(Boolean));
  for (const host of [ev.computer, ev.targetComputer]) if (host) out.add(fold(host).replace(/\.$/, ''));
  if (ev.filePath) {
    out.add(fold(ev.filePath));
    const p = ev.filePath.trim();
    out.add(fold(p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1)));
  }
  return out;
}

/** Control characters (C0, DEL, C1) and line/paragraph separators become spaces: a name is one line. */
function oneLine(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 ? ' ' : ch;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** Caps at NAME_MAX code points (SOAR's limit), never splitting a surrogate pair. */
export function capName(name: string): string {
  const chars = [...oneLine(name)];
  return chars.length <= NAME_MAX ? chars.join('') : `${chars.slice(0, NAME_MAX - 1).join('')}…`;
}

export function incidentName(type: NotificationType, ev: RiskEvent): string {
  if (type === NotificationTypes.securityAlert) {
    const target = ev.targetComputer ?? ev.targetIp ?? ev.computer ?? ev.ips[0] ?? 'unknown target';
    return capName(`SEP Security Alert: ${ev.attackerIp ?? 'unknown source'} → ${target}`);
  }
  const action = ev.action ?? ev.actionRaw;
  const suffix = action ? ` (${action})` : '';
  const host = hostOf(ev) ?? 'unknown computer';
  return capName(`SEP ${typeLabel(type)}: ${ev.riskName ?? 'unknown risk'} on ${host}${suffix}`);
}

function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Earliest event time of the group; else when SEPM generated the alert; else the mail date; else now. */
function discoveredDate(events: readonly RiskEvent[], n: SepNotification, mail: MailMeta, now?: number): number {
  const times = events.map((e) => parseTime(e.eventTime)).filter((t): t is number => t !== undefined);
  if (times.length) return Math.min(...times);
  return parseTime(n.generatedAt) ?? parseTime(mail.date) ?? now ?? Date.now();
}

function distinct(values: (string | undefined)[]): string | null {
  const seen = new Map<string, string>();
  for (const v of values) if (v?.trim() && !seen.has(fold(v))) seen.set(fold(v), v.trim());
  return seen.size ? [...seen.values()].join(', ') : null;
}

function propertiesFor(n: SepNotification, events: readonly RiskEvent[], mail: MailMeta): NewIncident['properties'] {
  const first = events[0]!;
  return {
    sepm_server: first.server ?? n.server ?? null,
    sepm_domain: first.domain ?? null,
    sepm_group: first.group ?? null,
    sepm_notification_type: n.type,
    sepm_risk_name: first.riskName ?? null,
    sepm_computer: hostOf(first) ?? null,
    sepm_action: distinct(events.map((e) => e.action ?? e.actionRaw)),
    sepm_message_id: mail.messageId ?? null,
    sepm_forwarded: n.forwarded,
  };
}

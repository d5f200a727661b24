import { escapeHtml } from '../shared/html-escape.ts';
import type { MailMeta, RiskEvent, SepNotification } from '../mail/types.ts';
import type { SeverityAssessment } from './mapper-severity.ts';

/**
 * The incident description as HTML (pure). Every value comes from the mail, which an attacker can write, so every
 * value goes through escapeHtml — labels are our own constants.
 */

const EVENT_FIELDS: readonly [label: string, pick: (ev: RiskEvent) => string | number | undefined][] = [
  ['Risk name', (e) => e.riskName],
  ['File path', (e) => e.filePath],
  ['Computer', (e) => e.computer],
  ['IP addresses', (e) => (e.ips.length ? e.ips.join(', ') : undefined)],
  ['User', (e) => e.user],
  ['Domain', (e) => e.domain],
  ['Group', (e) => e.group],
  ['Server', (e) => e.server],
  ['Action taken', (e) => e.action ?? e.actionRaw],
  ['Action code', (e) => e.actionCode],
  ['Source', (e) => e.source],
  ['Description', (e) => e.description],
  ['Event time', (e) => e.eventTime ?? e.eventTimeRaw],
  ['Event time (as written)', (e) => (e.eventTime ? e.eventTimeRaw : undefined)],
  ['Inserted', (e) => e.insertTime ?? e.insertTimeRaw],
  ['Occurrences', (e) => e.occurrences],
  ['Hash', (e) => (e.hash ? `${e.hash.type} ${e.hash.value}` : undefined)],
  ['Attacker IP', (e) => e.attackerIp],
  ['Target computer', (e) => e.targetComputer],
  ['Target IP', (e) => e.targetIp],
];

function row(label: string, value: string | number | undefined): string {
  if (value === undefined || value === '') return '';
  return `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(String(value))}</td></tr>`;
}

export function eventTable(ev: RiskEvent, index: number, total: number): string {
  const rows = EVENT_FIELDS.map(([label, pick]) => row(label, pick(ev)));
  for (const [label, value] of Object.entries(ev.extra ?? {})) rows.push(row(label, value));
  const caption = total > 1 ? `Event ${index + 1} of ${total}` : 'Event';
  const partial = ev.partial ? ' (cut off by the SEPM 2 KB limit: fields may be missing)' : '';
  return `<table><caption>${escapeHtml(caption + partial)}</caption>${rows.join('')}</table>`;
}

/** Severity and every reason for it, the deciding ones first (which soar.severity rule raised it). */
function severityHtml(a: SeverityAssessment): string {
  const rows = a.reasons.map((r) => row(r.severity, r.text)).join('');
  return `<table><caption>${escapeHtml(`Severity ${a.severity}, because`)}</caption>${rows}</table>`;
}

export function describeIncident(
  n: SepNotification,
  events: readonly RiskEvent[],
  mail: MailMeta,
  severity?: SeverityAssessment,
): string {
  const facts = [
    row('Notification', n.type),
    row('Template', n.template),
    row('Subject', mail.subject || n.subject),
    row('From', mail.from),
    row('Message-ID', mail.messageId),
    row('Mail date', mail.date),
    row('SEPM server', n.server),
    row('Generated at', n.generatedAt),
    row('Events in this mail', n.events.length),
    row('Declared count', n.declaredCount),
  ].join('');
  const warnings: string[] = [];
  if (n.truncated) warnings.push('The mail body was truncated; some events may be missing.');
  if (n.forwarded) warnings.push('The alert arrived as a forwarded mail.');
  const warningHtml = warnings.map((w) => `<p><b>${escapeHtml(w)}</b></p>`).join('');
  const tables = events.map((ev, i) => eventTable(ev, i, events.length)).join('');
  const severityPart = severity ? severityHtml(severity) : '';
  return `<p>SEPM alert mail</p><table>${facts}</table>${severityPart}${warningHtml}${tables}`;
}

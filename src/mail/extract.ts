import { isRiskEvent, scanBlocks, type BlockScan } from './blocks.ts';
import { classify } from './classify.ts';
import { assertTimeZone, parseSepmDate } from './dates.ts';
import { normaliseIp } from './fields.ts';
import { normaliseBodyLines } from './text.ts';
import { NotificationTypes, RISK_TYPES, type RiskEvent, type SepNotification } from './types.ts';
import { resolveAction } from './actions.ts';

/**
 * Subject + body text → SepNotification (pure). Never throws for odd content: unknown templates give type
 * `unknown` with no events; only an invalid configured time zone raises (a configuration error).
 */

export interface ExtractOptions {
  timeZone: string;
  /** Set when the caller already knows the body is HTML (text/html part). */
  html?: boolean;
}

/** Characters of body text examined (SEPM bodies are ≤ 32,767 characters; more is hostile or not SEPM). */
export const MAX_BODY_CHARS = 64 * 1024;
/** SEPM stores the message in nvarchar(2048): bodies that end without a closing block near this size were cut. */
export const TRUNCATION_MIN_CHARS = 1800;
/** 2,048 characters plus slack for a footer the mailer may add; longer bodies were not cut by the cap. */
export const TRUNCATION_MAX_CHARS = 2100;

const END_MARKER =
  /this alarm was generated|with the following filters|for more information|symantec endpoint protection detected/i;
const GENERATED_AT = /^this alarm was generated (?:at|on) (.+?)(?: \(([^)]*)\))?\.?$/i;
const COUNT_LINE =
  /\bnumber of [a-z ]{1,40}?(?: detected| found)?\s*:\s*(\d{1,6})\b|^(\d{1,6}) (?:computers?|risks?|events?|infections?) (?:found|detected)/i;
const SUBJECT_SINGLE = /machine (\S+) infected with (.+?), action (.+)$/i;
const SUBJECT_NEW_RISK = /new risks? (?:found|detected)\s*[:-]\s*(\S.{0,200})$/i;
const SUSPICIOUS_FROM =
  /suspicious activity from \[?([0-9a-f.:]+)\]?(?:.*?\b(?:on|against|targeting|to) (?:computer |host )?([A-Za-z0-9][A-Za-z0-9._-]*))?/i;
const HEALTH_SERVER = /^server (\S+) health status/i;

export function extractNotification(subject: string, body: string, opts: ExtractOptions): SepNotification {
  assertTimeZone(opts.timeZone);
  const lines = normaliseBodyLines(
    body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body,
    opts.html ?? false,
  );
  const text = lines.join('\n');
  let scan = scanBlocks(lines, opts.timeZone);
  const truncated = isTruncated(text, lines, scan);
  if (truncated && scan.lastEventLine === lines.length - 1) {
    // The last line may be cut mid-value: read the events without it and flag the last one partial.
    scan = scanBlocks(lines.slice(0, -1), opts.timeZone);
  }
  const events = scan.events;
  if (truncated && events.length > 0) (events[events.length - 1] as RiskEvent).partial = true;
  applySecurityPhrase(subject, text, events);
  let style = templateStyle(scan);
  if (events.length === 0 && fromSubject(subject, events)) style = 'subject';
  const intro = scan.firstEventLine > 0 ? lines.slice(0, scan.firstEventLine).join('\n') : '';
  const type = classify({
    subject,
    body: events.length > 0 ? intro : text,
    eventCount: events.length,
    hasSecurityFields: events.some((e) => e.attackerIp !== undefined || e.targetIp !== undefined),
  });
  const isRisk = RISK_TYPES.includes(type);
  if (type === NotificationTypes.securityAlert) {
    for (const ev of events) {
      if (ev.computer) ev.targetComputer ??= ev.computer;
      if (ev.ips[0]) ev.targetIp ??= ev.ips[0];
    }
  }
  if (isRisk && type === NotificationTypes.singleRiskEvent) fillFromSubject(subject, events);
  const n: SepNotification = {
    type,
    isRisk,
    subject,
    template: `${type}/${isRisk ? style : 'text'}`,
    events: isRisk ? events : [],
    truncated: isRisk && truncated,
    forwarded: false,
  };
  addHeaderFields(n, lines, scan, opts.timeZone);
  return n;
}

function isTruncated(text: string, lines: readonly string[], scan: BlockScan): boolean {
  if (scan.events.length === 0) return false;
  const after = lines.slice(scan.lastEventLine + 1).join('\n');
  if (END_MARKER.test(after)) return false;
  const declared = declaredCount(lines);
  if (declared !== undefined && declared > scan.events.length) return true;
  // A body longer than the cap was not cut by it; one that is near the cap was, unless its last event carries
  // every field the first one does (a customised template without closing text).
  const nearCap = text.length >= TRUNCATION_MIN_CHARS && text.length <= TRUNCATION_MAX_CHARS;
  return nearCap && !lastEventComplete(scan.events);
}

function lastEventComplete(events: readonly RiskEvent[]): boolean {
  if (events.length < 2) return false;
  const last = events[events.length - 1] as RiskEvent;
  const first = events[0] as RiskEvent;
  return (Object.keys(first) as (keyof RiskEvent)[]).every((k) => k === 'extra' || last[k] !== undefined);
}

function declaredCount(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const c = line.charCodeAt(0);
    // Cheap pre-check: the count line contains "number of" or starts with a digit.
    if (!line.includes('umber of') && !(c >= 48 && c <= 57)) continue;
    const m = COUNT_LINE.exec(line);
    if (m) return Number(m[1] ?? m[2]);
  }
  return undefined;
}

function templateStyle(scan: BlockScan): string {
  if (scan.styles.has('csv')) return 'syslog-csv';
  if (scan.styles.has('fr')) return 'labels-fr';
  return scan.styles.has('14.3') ? 'labels-14.3' : 'labels';
}

/** IBM's client-security-alert phrase: "Security alert: suspicious activity from <IP> …". */
function applySecurityPhrase(subject: string, text: string, events: RiskEvent[]): void {
  const m = (text.includes('uspicious activity') ? SUSPICIOUS_FROM.exec(text) : null) ?? SUSPICIOUS_FROM.exec(subject);
  if (!m) return;
  const ip = normaliseIp(m[1] as string);
  if (!ip) return;
  if (events.length === 0) {
    const ev: RiskEvent = { ips: [], attackerIp: ip };
    if (m[2]) ev.targetComputer = m[2].replace(/\.$/, '');
    events.push(ev);
    return;
  }
  for (const ev of events) ev.attackerIp ??= ip;
}

/** Event from the subject when the body gave none: "Single Risk Event: machine X infected with R, action A". */
function fromSubject(subject: string, events: RiskEvent[]): boolean {
  const m = SUBJECT_SINGLE.exec(subject);
  if (!m) {
    // "New Risk Found: <risk>" (new risk detected fires once per risk name): the risk name is all there is.
    const risk = SUBJECT_NEW_RISK.exec(subject)?.[1]?.trim();
    if (!risk) return false;
    events.push({ ips: [], riskName: risk });
    return true;
  }
  const ev: RiskEvent = { ips: [], computer: m[1] as string, riskName: (m[2] as string).trim() };
  setAction(ev, m[3] as string);
  if (!isRiskEvent(ev)) return false;
  events.push(ev);
  return true;
}

/** Subject as a secondary source for the fields the single event block lacks. */
function fillFromSubject(subject: string, events: RiskEvent[]): void {
  const m = SUBJECT_SINGLE.exec(subject);
  const ev = events[0];
  if (!m || !ev || events.length !== 1) return;
  ev.computer ??= m[1] as string;
  ev.riskName ??= (m[2] as string).trim();
  if (ev.action === undefined) setAction(ev, m[3] as string);
}

function setAction(ev: RiskEvent, raw: string): void {
  const r = resolveAction(raw.trim());
  if (!r) return;
  ev.action = r.action;
  ev.actionRaw = raw.trim();
  if (r.actionCode !== undefined) ev.actionCode = r.actionCode;
}

function addHeaderFields(n: SepNotification, lines: readonly string[], scan: BlockScan, timeZone: string): void {
  const declared = declaredCount(lines);
  if (declared !== undefined) n.declaredCount = declared;
  for (const line of lines) {
    if (line.length > 300 || (!line.startsWith('This alarm') && !line.startsWith('this alarm'))) continue;
    const g = GENERATED_AT.exec(line);
    if (g) {
      const iso = parseSepmDate(g[1] as string, timeZone);
      if (iso) n.generatedAt = iso;
      break;
    }
  }
  const server =
    n.events.find((e) => e.server)?.server ??
    scan.loose.get('server') ??
    scan.loose.get('server name') ??
    lines.find((l) => /^server /i.test(l) && HEALTH_SERVER.test(l))?.split(' ')[1];
  if (server) n.server = server;
}

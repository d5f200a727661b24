import { addExtra, applyField, isPlaceholder } from './fields.ts';
import { fieldFor, normaliseLabel, type FieldKey } from './labels.ts';
import type { RiskEvent } from './types.ts';

/**
 * Splitting a normalised body into event blocks (pure). Fields are read line by line as `Label: value`; a field
 * that repeats inside the current block starts the next event (outbreak/damper mails list several). The filter
 * block ("…with the following filters:") is skipped entirely. A line carrying a comma-separated SEP log record
 * (`Virus found,IP Address: …,Computer name: …`) is one event by itself.
 */

/** Upper bound on events read from one mail (a hostile body cannot make the result unbounded). */
export const MAX_EVENTS = 500;

export interface BlockScan {
  events: RiskEvent[];
  /** Label styles seen: 'csv', '14.3', 'fr'. */
  styles: Set<string>;
  /** Index of the first / last line that contributed to an event (-1 when none). */
  firstEventLine: number;
  lastEventLine: number;
  /** Label/value pairs outside events and outside the filter block (server, count line, …). */
  loose: Map<string, string>;
}

const LABEL_START = /[A-Za-zÀ-ÿ]/;
/** Longest label, characters (SEPM's longest is "Database insert time"; French ones run to ~45). */
const MAX_LABEL_CHARS = 60;
const NOT_LABELS = /^(?:https?|ftp|mailto|file|see|note|re|fw|fwd|tr)$/i;
const FILTER_START = /with the following filters:?$|^filters?:$/i;
const CSV_FIELD = /(?:^|,)\s*"?[A-Za-z][A-Za-z0-9 ()-]{0,40}: /g;
const SYSLOG_HEADER = /^(?:<\d{1,3}>)?(?:\d{4}-\d\d-\d\dT\S+|[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d) \S+ \S+: ,?/;
const NEW_LABELS = new Set(['event insert time', 'end time', 'domain name', 'group name', 'server name', 'user name']);
const FR_LABELS = /^(?:nom du risque|chemin du fichier|ordinateur|utilisateur|adresse ip|domaine|serveur|groupe)/;

export function parseLabelLine(line: string): { label: string; value: string } | undefined {
  // Hand-rolled rather than one regex: this runs on every body line and dominates extraction time.
  const colon = line.indexOf(':');
  if (colon < 1 || colon > MAX_LABEL_CHARS || !LABEL_START.test(line[0] as string)) return undefined;
  const label = line.slice(0, colon).trimEnd();
  const value = line.slice(colon + 1).trimStart();
  if ((label.length <= 6 && NOT_LABELS.test(label)) || wordCount(label) > 6) return undefined;
  // `C:\path` or `E:/x` is a path, not a one-letter label.
  if (label.length === 1 && (value[0] === '\\' || value[0] === '/')) return undefined;
  return { label, value };
}

function countOf(s: string, needle: string): number {
  let n = 0;
  for (let at = s.indexOf(needle); at !== -1; at = s.indexOf(needle, at + needle.length)) n++;
  return n;
}

function wordCount(label: string): number {
  let n = 1;
  for (let i = 0; i < label.length; i++) if (label.charCodeAt(i) === 32) n++;
  return n;
}

export function isCsvRecord(line: string): boolean {
  if (line.length < 40 || countOf(line, ': ') < 4) return false;
  CSV_FIELD.lastIndex = 0;
  let n = 0;
  while (CSV_FIELD.exec(line) && ++n < 4);
  return n >= 4;
}

/** Whether an event carries anything that identifies a risk or an attack. */
export function isRiskEvent(ev: RiskEvent): boolean {
  return Boolean(
    ev.riskName || ev.filePath || ev.hash || ev.attackerIp || ev.targetIp || (ev.computer && ev.ips.length > 0),
  );
}

export function scanBlocks(lines: readonly string[], timeZone: string): BlockScan {
  const scan: BlockScan = {
    events: [],
    styles: new Set(),
    firstEventLine: -1,
    lastEventLine: -1,
    loose: new Map(),
  };
  let current: RiskEvent | undefined;
  let seen = new Set<FieldKey>();
  let inFilter = false;
  const close = () => {
    if (current && isRiskEvent(current) && scan.events.length < MAX_EVENTS) scan.events.push(current);
    current = undefined;
    seen = new Set();
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.includes('ilters') && FILTER_START.test(line)) {
      inFilter = true;
      continue;
    }
    const lv = parseLabelLine(line);
    if (inFilter) {
      if (line === '' || lv) continue;
      inFilter = false;
    }
    if (isCsvRecord(line)) {
      close();
      const ev = csvEvent(line.replace(SYSLOG_HEADER, ''), timeZone);
      scan.styles.add('csv');
      current = ev;
      markLine(scan, i);
      close();
      continue;
    }
    if (!lv) continue;
    const key = fieldFor(lv.label);
    if (!key) {
      if (current) addExtra(current, lv.label, lv.value);
      else if (!isPlaceholder(lv.value)) scan.loose.set(normaliseLabel(lv.label), lv.value.trim());
      continue;
    }
    if (key === 'server' && !scan.loose.has('server') && !isPlaceholder(lv.value)) {
      scan.loose.set('server', lv.value.trim());
    }
    if (current && seen.has(key)) close();
    current ??= { ips: [] };
    seen.add(key);
    noteStyle(scan.styles, lv.label);
    applyField(current, key, lv.label, lv.value, timeZone);
    markLine(scan, i);
  }
  close();
  return scan;
}

function markLine(scan: BlockScan, i: number): void {
  if (scan.firstEventLine === -1) scan.firstEventLine = i;
  scan.lastEventLine = i;
}

/** Raw label → label style ('14.3', 'fr' or none), memoised like fieldFor (bounded). */
const styleMemo = new Map<string, string | null>();

function noteStyle(styles: Set<string>, label: string): void {
  let style = styleMemo.get(label);
  if (style === undefined) {
    const n = normaliseLabel(label);
    style = NEW_LABELS.has(n) ? '14.3' : FR_LABELS.test(n) ? 'fr' : null;
    if (styleMemo.size > 10_000) styleMemo.clear();
    styleMemo.set(label, style);
  }
  if (style) styles.add(style);
}

/** Splits a SEP log record on commas outside double quotes. */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

const PATH_LIKE = /^(?:[a-z]:[\\/]|\\\\|\/[^/])/i;
const SECURITY_LABELS = /^(?:local host ip|remote host ip|cids signature|intrusion)/i;

function csvEvent(line: string, timeZone: string): RiskEvent {
  const ev: RiskEvent = { ips: [] };
  const parts = splitCsv(line);
  const security = parts.some((p) => SECURITY_LABELS.test(p));
  parts.forEach((part, index) => {
    const lv = parseLabelLine(part);
    const key = lv ? fieldFor(lv.label) : undefined;
    if (lv && key) {
      if (key === 'ip' || ev[key as keyof RiskEvent] === undefined) {
        applyField(ev, key, lv.label, lv.value, timeZone);
      }
    } else if (lv) {
      addExtra(ev, lv.label, lv.value.trim());
    } else if (PATH_LIKE.test(part) && !ev.filePath) {
      ev.filePath = part;
    } else if (index === 0 && part !== '') {
      if (security) ev.computer ??= part;
      else addExtra(ev, 'Event', part);
    }
  });
  if (security && ev.computer) ev.targetComputer ??= ev.computer;
  return ev;
}

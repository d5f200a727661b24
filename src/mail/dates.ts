import { AppError, ErrorCodes } from '../shared/errors.ts';

/**
 * Multi-format SEPM date parsing → ISO-8601 UTC. Formats: Java MEDIUM US (`Feb 28, 2019 3:40:12 AM [PDT]`),
 * `yyyy-MM-dd HH:mm:ss[.S]`, ISO with offset, French `28 févr. 2019 03:40:12`, and `dd/MM/yyyy HH:mm:ss`
 * only when the day is unambiguous (> 12). Dates without a zone are read in the configured IANA zone.
 */

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  janv: 1,
  févr: 2,
  fevr: 2,
  mars: 3,
  avr: 4,
  mai: 5,
  juin: 6,
  juil: 7,
  août: 8,
  aout: 8,
  déc: 12,
};

/** Zone abbreviations SEPM prints (Java `z`), offset in minutes east of UTC. */
const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  BST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
};

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  zone?: string;
}

const US_MEDIUM =
  /^([A-Za-z]{3,4})\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AaPp][Mm])(?: ([A-Za-z]{1,5}|[+-]\d{2}:?\d{2}|GMT[+-]\d{1,2}(?::?\d{2})?))?$/;
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)? ?(Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5})?$/;
const FR_MEDIUM = /^(\d{1,2}) ([a-zéû]{3,5})\.? (\d{4})(?:,| à)? (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ([A-Z]{2,5}))?$/i;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;

export function parseSepmDate(raw: string, timeZone: string): string | undefined {
  const trimmed = raw.trim();
  const text = /\s\s|[\t\n]/.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
  const p = matchParts(text);
  if (!p || !validParts(p)) return undefined;
  const local = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  const explicit = p.zone === undefined ? undefined : zoneOffsetMinutes(p.zone);
  if (p.zone !== undefined && explicit === undefined) return undefined;
  const utc = explicit !== undefined ? local - explicit * 60_000 : zonedToUtc(local, timeZone);
  return new Date(utc).toISOString();
}

function matchParts(text: string): Parts | undefined {
  let m = US_MEDIUM.exec(text);
  if (m) {
    const mo = MONTHS[(m[1] as string).toLowerCase()];
    if (mo === undefined) return undefined;
    let h = Number(m[4]) % 12;
    if ((m[7] as string).toUpperCase() === 'PM') h += 12;
    return withZone({ y: Number(m[3]), mo, d: Number(m[2]), h, mi: Number(m[5]), s: Number(m[6] ?? 0) }, m[8]);
  }
  m = ISO_LIKE.exec(text);
  if (m) {
    const p = {
      y: Number(m[1]),
      mo: Number(m[2]),
      d: Number(m[3]),
      h: Number(m[4]),
      mi: Number(m[5]),
      s: Number(m[6] ?? 0),
    };
    return withZone(p, m[7]);
  }
  m = FR_MEDIUM.exec(text);
  if (m) {
    const mo = MONTHS[(m[2] as string).toLowerCase()];
    if (mo === undefined) return undefined;
    return withZone(
      { y: Number(m[3]), mo, d: Number(m[1]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6] ?? 0) },
      m[7],
    );
  }
  m = SLASHED.exec(text);
  if (m && Number(m[1]) > 12) {
    return {
      y: Number(m[3]),
      mo: Number(m[2]),
      d: Number(m[1]),
      h: Number(m[4]),
      mi: Number(m[5]),
      s: Number(m[6] ?? 0),
    };
  }
  return undefined;
}

function withZone(p: Parts, zone: string | undefined): Parts {
  if (zone !== undefined) p.zone = zone;
  return p;
}

function validParts(p: Parts): boolean {
  return p.mo >= 1 && p.mo <= 12 && p.d >= 1 && p.d <= 31 && p.h <= 23 && p.mi <= 59 && p.s <= 60;
}

/** Minutes east of UTC for `Z`, `+02:00`, `-0700`, `GMT+2`, or a known abbreviation; undefined otherwise. */
function zoneOffsetMinutes(zone: string): number | undefined {
  const z = zone.toUpperCase();
  if (z in ZONE_ABBREVIATIONS) return ZONE_ABBREVIATIONS[z];
  const m = /^(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?$/.exec(z);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new AppError(ErrorCodes.CONFIG_INVALID, `mail.timeZone: unknown time zone "${timeZone}"`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws CONFIG_INVALID for a zone name Intl does not know (checked once per zone). */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** Zone offsets by zone and 15-minute UTC bucket: transitions happen on quarter hours, and formatToParts is slow. */
const offsetCache = new Map<string, number>();
const QUARTER_HOUR_MS = 15 * 60_000;

/** Offset (ms) of `timeZone` at the instant `utcMs`. */
function offsetAt(utcMs: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(utcMs / QUARTER_HOUR_MS)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = computeOffset(Math.floor(utcMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS, timeZone);
    // Bounded: a long-running worker sees dates from a few years at most; reset rather than grow without limit.
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

function computeOffset(utcMs: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** Wall-clock time in `timeZone` (given as if it were UTC) → real UTC ms; DST gaps resolve forwards. */
function zonedToUtc(localMs: number, timeZone: string): number {
  const first = localMs - offsetAt(localMs, timeZone);
  const second = localMs - offsetAt(first, timeZone);
  return second;
}

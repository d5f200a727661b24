import ipaddr from 'ipaddr.js';
import { resolveAction } from './actions.ts';
import { parseSepmDate } from './dates.ts';
import type { FieldKey } from './labels.ts';
import type { HashType, RiskEvent } from './types.ts';

/**
 * Applying one `Label: value` pair to a RiskEvent (pure). Values that are not valid for their field (a bad IP,
 * a placeholder hash like `SHA#1234`) go to `extra` under their label instead of being dropped.
 */

/** Extra label/value pairs kept per event, and their length (characters): bounds hostile bodies. */
const MAX_EXTRA = 40;
const MAX_VALUE_CHARS = 4096;

const PLACEHOLDERS = new Set([
  '',
  '*',
  '-',
  '--',
  'n/a',
  'na',
  'none',
  'null',
  'unknown',
  'aucun(e)',
  'aucun',
  '(none)',
]);

export function isPlaceholder(value: string): boolean {
  // Longest placeholder is 8 characters; longer values (nearly all) skip the lower-casing.
  return value.length <= 12 && PLACEHOLDERS.has(value.trim().toLowerCase());
}

/** Canonical IP text (IPv4-mapped IPv6 → IPv4, IPv6 compressed), or undefined when not an address. */
export function normaliseIp(value: string): string | undefined {
  const v = value.trim().replace(/^\[|\]$/g, '');
  // Shape check first: ipaddr.js reports invalid input by throwing internally, which is slow (stack traces), and
  // most values we test (computer names) are not addresses. Only dotted-quad IPv4 is accepted (no 0x / short forms).
  if (IPV4_SHAPE.test(v)) return canonicalIpv4(v);
  if (!IPV6_SHAPE.test(v) || !ipaddr.IPv6.isValid(v)) return undefined;
  return ipaddr.process(v).toString();
}

/** Dotted quad with every octet 0-255 and no leading zeros (ambiguous octal forms are refused). */
function canonicalIpv4(v: string): string | undefined {
  for (const part of v.split('.')) {
    if (Number(part) > 255 || (part.length > 1 && part[0] === '0')) return undefined;
  }
  return v;
}

const IPV4_SHAPE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_SHAPE = /^(?=.*:)[0-9a-f:.]{2,45}$/i;

export function hashOf(value: string): { type: HashType; value: string } | undefined {
  const v = value.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(v) || /^0+$/.test(v)) return undefined;
  if (v.length === 32) return { type: 'MD5', value: v };
  if (v.length === 40) return { type: 'SHA-1', value: v };
  if (v.length === 64) return { type: 'SHA-256', value: v };
  return undefined;
}

export function addExtra(ev: RiskEvent, label: string, value: string): void {
  if (value.trim() === '') return;
  const extra = (ev.extra ??= {});
  if (Object.keys(extra).length >= MAX_EXTRA || label in extra) return;
  extra[label.trim().slice(0, 80)] = value.slice(0, MAX_VALUE_CHARS);
}

/** Sets `key` on `ev` from `value` (already trimmed). `label` is the label as written, for `extra`. */
export function applyField(ev: RiskEvent, key: FieldKey, label: string, rawValue: string, timeZone: string): void {
  const value = rawValue.trim();
  // A longer value is not a SEPM field (the whole message is capped at 32,767 characters): never cut it into a
  // plausible-looking but wrong artifact.
  if (isPlaceholder(value) || value.length > MAX_VALUE_CHARS) return;
  switch (key) {
    case 'ip':
      return applyIps(ev, label, value);
    case 'attackerIp':
    case 'targetIp':
      return applySingleIp(ev, key, label, value);
    case 'occurrences': {
      const n = Number.parseInt(value, 10);
      if (Number.isFinite(n) && n >= 0) ev.occurrences = n;
      else addExtra(ev, label, value);
      return;
    }
    case 'hash':
    case 'md5':
    case 'sha1':
    case 'sha256':
      return applyHash(ev, key, label, value);
    case 'hashType':
      return addExtra(ev, label, value);
    case 'action':
      return applyAction(ev, value);
    case 'eventTime':
    case 'insertTime':
      return applyTime(ev, key, value, timeZone);
    default:
      ev[key] = value;
  }
}

function applyIps(ev: RiskEvent, label: string, value: string): void {
  for (const part of value.split(/[\s,;]+/)) {
    if (part === '') continue;
    const ip = normaliseIp(part);
    if (ip === undefined) addExtra(ev, label, value);
    else if (!ev.ips.includes(ip)) ev.ips.push(ip);
  }
}

function applySingleIp(ev: RiskEvent, key: 'attackerIp' | 'targetIp', label: string, value: string): void {
  const ip = normaliseIp(value);
  if (ip === undefined || ip === '0.0.0.0' || ip === '::') {
    addExtra(ev, label, value);
    return;
  }
  ev[key] ??= ip;
}

const EXPECTED_LENGTH: Record<string, number> = { md5: 32, sha1: 40, sha256: 64 };

function applyHash(ev: RiskEvent, key: 'hash' | 'md5' | 'sha1' | 'sha256', label: string, value: string): void {
  const h = hashOf(value);
  if (!h || (key !== 'hash' && h.value.length !== EXPECTED_LENGTH[key])) {
    addExtra(ev, label, value);
    return;
  }
  // Prefer the strongest hash when a block carries several (SHA-256 > SHA-1 > MD5).
  if (!ev.hash || h.value.length > ev.hash.value.length) ev.hash = h;
}

function applyAction(ev: RiskEvent, value: string): void {
  const resolved = resolveAction(value);
  if (!resolved) return;
  ev.actionRaw = value;
  ev.action = resolved.action;
  if (resolved.actionCode !== undefined) ev.actionCode = resolved.actionCode;
}

function applyTime(ev: RiskEvent, key: 'eventTime' | 'insertTime', value: string, timeZone: string): void {
  const iso = parseSepmDate(value, timeZone);
  if (key === 'eventTime') {
    ev.eventTimeRaw = value;
    if (iso) ev.eventTime = iso;
  } else {
    ev.insertTimeRaw = value;
    if (iso) ev.insertTime = iso;
  }
}

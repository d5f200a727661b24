import { getDomain } from 'tldts';
import type { SenderAuthConfig } from '../config/schema.ts';
import { globMatcher, ipMatcher, parseIp } from '../whitelist/index.ts';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { senderAllowed } from './envelope-filter.ts';
import type { SenderAuthResult } from './types.ts';

/**
 * Sender authenticity (pure, headers only): decides whether a mail may trigger automatic actions. Verdict
 * `trusted` only when every configured check passes and the mail is no auto-reply or bounce. With no check
 * configured the verdict is `untrusted`: automation has to be opted into by configuring at least one check.
 *
 * Header trust model: headers are prepended hop by hop, so what sits below the first Received header that records a
 * connection from a public (Internet) address was written by someone we do not control and may be forged.
 * - Received: the chain is walked top-down through internal hops (private, loopback, link-local, ULA addresses or
 *   no address at all, e.g. LMTP hand-offs); the check passes at the first hop from a trusted relay and fails at
 *   the first hop from a public address that is not one. Forged hops further down are never reached.
 * - Authentication-Results: only headers with a trusted authserv-id count, and only those above the Received
 *   header below the Internet boundary hop (milters of the border MTA may insert theirs just below its own
 *   Received header). RFC 8601 §5 requires the border MTA to delete incoming A-R headers that carry its own
 *   authserv-id; configure it to do so.
 * - An SPF/DKIM/DMARC pass counts only when its domain is aligned with the From domain (relaxed, via the PSL).
 * - Several From headers are refused (a known DMARC bypass).
 */

export interface HeaderLine {
  /** Lower-case header name. */
  key: string;
  /** The full raw header line including its name, possibly folded. */
  line: string;
}

interface Hop {
  index: number;
  ip: string | null;
  name: string | null;
  internal: boolean;
}

const INTERNAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);

function headerValue(h: HeaderLine): string {
  const unfolded = h.line.replace(/\r?\n(?=[ \t])/g, '');
  const colon = unfolded.indexOf(':');
  return (colon >= 0 ? unfolded.slice(colon + 1) : unfolded).trim();
}

/** Removes RFC 5322 comments `( … )` (nested, outside quoted strings). */
export function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      if (depth === 0) out += c + text[i + 1];
      i++;
    } else if (c === '"' && depth === 0) {
      quoted = !quoted;
      out += c;
    } else if (c === '(' && !quoted) depth++;
    else if (c === ')' && !quoted && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** The addr-spec of a From/Return-Path value: `"Name" <a@b>` → `a@b`, lower-cased. */
export function addressOf(value: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(value.trim());
  if (angle) return (angle[1] as string).trim().toLowerCase();
  const token = stripComments(value)
    .split(/[\s,]+/)
    .find((t) => t.includes('@'));
  return (token ?? stripComments(value)).replace(/^"|"$/g, '').toLowerCase();
}

/** Parses one Received value into the connecting host: the IP in `[…]` (or Exchange's `(ip)`) and its name. */
export function parseReceived(value: string): { ip: string | null; name: string | null } {
  const m = /^\s*from\s+([\s\S]*?)(?:\s+by\s|;|$)/i.exec(value);
  if (!m) return { ip: null, name: null };
  const clause = m[1] as string;
  const bracket = /\[(?:ipv6:)?([0-9a-f:.]+)\]/i.exec(clause) ?? /\(\s*([0-9a-f:.]+)\s*\)/i.exec(clause);
  const addr = bracket ? parseIp(bracket[1] as string) : null;
  // Postfix/Sendmail: `from helo (rdns [ip])` — the rDNS name written by our MTA is the one to believe.
  const rdns = /\(\s*([a-z0-9_.-]+)\s+\[/i.exec(clause);
  const first = /^([a-z0-9_.-]+)/i.exec(clause);
  let name = rdns ? (rdns[1] as string) : first ? (first[1] as string) : null;
  if (name && (name.toLowerCase() === 'unknown' || parseIp(name))) name = null;
  return { ip: addr ? addr.toString() : null, name };
}

function hopsOf(headers: HeaderLine[]): Hop[] {
  const hops: Hop[] = [];
  headers.forEach((h, index) => {
    if (h.key !== 'received') return;
    const { ip, name } = parseReceived(headerValue(h));
    const addr = ip ? parseIp(ip) : null;
    hops.push({ index, ip, name, internal: addr === null || INTERNAL_RANGES.has(addr.range()) });
  });
  return hops;
}

interface AuthEntry {
  method: string;
  result: string;
  /** The domain the result is about: smtp.mailfrom (SPF), header.d / header.i (DKIM), header.from (DMARC). */
  domain: string | null;
}

interface AuthResults {
  authservId: string;
  results: Map<string, string[]>;
  entries: AuthEntry[];
}

const prop = (name: string): RegExp => new RegExp(`(?:^|\\s)${name.replace('.', '\\.')}\\s*=\\s*"?([^\\s";]+)`, 'i');
const DOMAIN_PROPS: Record<string, RegExp[]> = {
  spf: [prop('smtp.mailfrom')],
  dkim: [prop('header.d'), prop('header.i')],
  dmarc: [prop('header.from')],
};

function propDomain(method: string, part: string): string | null {
  for (const re of DOMAIN_PROPS[method] ?? []) {
    const v = re.exec(part)?.[1];
    if (v) return v.slice(v.lastIndexOf('@') + 1).toLowerCase();
  }
  return null;
}

/** Relaxed alignment (as DMARC): same organisational domain by the Public Suffix List. */
function aligned(domain: string, fromDomain: string): boolean {
  const org = (d: string): string => getDomain(d, { allowPrivateDomains: true }) ?? d;
  return fromDomain !== '' && org(domain) === org(fromDomain);
}

/** RFC 8601: `authserv-id [version]; method=result prop=value …; …` (comments removed first). */
export function parseAuthResults(value: string): AuthResults {
  const parts = stripComments(value).split(';');
  const authservId = (parts[0] ?? '').trim().split(/\s+/)[0]?.replace(/^"|"$/g, '').toLowerCase() ?? '';
  const results = new Map<string, string[]>();
  const entries: AuthEntry[] = [];
  for (const part of parts.slice(1)) {
    const m = /^\s*([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z]+)/i.exec(part);
    if (!m) continue;
    const method = (m[1] as string).toLowerCase();
    const result = (m[2] as string).toLowerCase();
    results.set(method, [...(results.get(method) ?? []), result]);
    entries.push({ method, result, domain: propDomain(method, part) });
  }
  return { authservId, results, entries };
}

const AUTO_REPLY_KEYS = new Set([
  'auto-submitted',
  'x-autoreply',
  'x-autorespond',
  'precedence',
  'return-path',
  'content-type',
]);

/** Auto-reply and bounce indicators, in words; empty = a normal mail. */
export function autoReplyReasons(headers: HeaderLine[], from: string): string[] {
  const reasons: string[] = [];
  for (const h of headers) {
    if (!AUTO_REPLY_KEYS.has(h.key)) continue;
    const v = stripComments(headerValue(h)).toLowerCase();
    if (h.key === 'auto-submitted' && v !== 'no') reasons.push(`auto-reply: Auto-Submitted: ${v}`);
    if (h.key === 'x-autoreply' || h.key === 'x-autorespond') reasons.push(`auto-reply: ${h.key} header present`);
    if (h.key === 'precedence' && ['auto_reply', 'bulk', 'junk'].includes(v)) {
      reasons.push(`auto-reply: Precedence: ${v}`);
    }
    if (h.key === 'return-path' && /^<\s*>$/.test(v)) reasons.push('bounce: empty Return-Path <>');
    if (h.key === 'content-type' && /^multipart\/report\b/.test(v)) {
      const type = /report-type\s*=\s*"?([a-z-]+)/.exec(v)?.[1] ?? 'unknown';
      if (type === 'delivery-status' || type === 'disposition-notification') {
        reasons.push(`bounce: multipart/report; report-type=${type}`);
      }
    }
  }
  const local = from.split('@')[0] ?? '';
  if (local === 'mailer-daemon' || local === 'postmaster') reasons.push(`bounce: sender ${from}`);
  return reasons;
}

type Check = { ok: boolean; reason: string };

const relayCache = new WeakMap<string[], (hop: Hop) => string | null>();

/**
 * IP/CIDR/range entries match the hop address; other entries are host-name globs on the hop's name. A bad entry is
 * AppError CONFIG_INVALID naming it, e.g. `senderAuth.trustedRelays[1] "10.0.0.300": not an IP address, CIDR or range`.
 */
function relayMatcher(relays: string[]): (hop: Hop) => string | null {
  const cached = relayCache.get(relays);
  if (cached) return cached;
  const list = 'senderAuth.trustedRelays';
  const ipEntries: string[] = [];
  const nameEntries: string[] = [];
  relays.forEach((e, i) => {
    const bad = (why: string) =>
      new AppError(ErrorCodes.CONFIG_INVALID, `${list}[${i}] ${JSON.stringify(e)}: ${why}`, { details: { entry: e } });
    if (tryIp(e)) ipEntries.push(e);
    else if (/^[\d.\s/-]+$/.test(e) || e.includes(':')) throw bad('not an IP address, CIDR or range');
    else if (!/^[a-z0-9_.*?-]+$/i.test(e.trim())) throw bad('not a host name or host-name glob');
    else nameEntries.push(e);
  });
  const ips = ipMatcher(ipEntries, list);
  const names = globMatcher(nameEntries, list, 'host');
  const fn = (hop: Hop): string | null => (hop.ip ? ips(hop.ip) : null) ?? (hop.name ? names(hop.name) : null);
  relayCache.set(relays, fn);
  return fn;
}

/** Validates the sender-authenticity settings at start-up (check-config, main) instead of at the first mail. */
export function validateSenderAuth(cfg: SenderAuthConfig): void {
  relayMatcher(cfg.trustedRelays);
}

function tryIp(entry: string): boolean {
  try {
    ipMatcher([entry], 'x');
    return true;
  } catch {
    return false;
  }
}

function describeHop(hop: Hop): string {
  return `${hop.name ?? '(no name)'} [${hop.ip ?? 'no address'}]`;
}

/** Walks the Received chain top-down through internal hops until a trusted relay or the Internet boundary. */
function checkReceived(hops: Hop[], relays: string[]): Check {
  const match = relayMatcher(relays);
  for (const hop of hops) {
    const rule = match(hop);
    if (rule) return { ok: true, reason: `Received: hop from ${describeHop(hop)} matches ${rule}` };
    if (!hop.internal) {
      return {
        ok: false,
        reason: `Received: hop from public address ${describeHop(hop)} is not a trusted relay (hops below it are not believed)`,
      };
    }
  }
  return { ok: false, reason: `Received: no hop from a trusted relay in ${hops.length} Received header(s)` };
}

function checkAuth(headers: HeaderLine[], boundary: number, cfg: SenderAuthConfig, from: string): Check[] {
  const wanted = (
    [
      ['spf', cfg.requireSpf],
      ['dkim', cfg.requireDkim],
      ['dmarc', cfg.requireDmarc],
    ] as const
  ).filter(([, on]) => on);
  if (wanted.length === 0) return [];
  const trusted = new Set(cfg.trustedAuthservIds.map((s) => s.toLowerCase()));
  const seen: AuthEntry[] = [];
  headers.forEach((h, i) => {
    if (h.key !== 'authentication-results' || i >= boundary) return;
    const ar = parseAuthResults(headerValue(h));
    if (trusted.has(ar.authservId)) seen.push(...ar.entries);
  });
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  return wanted.map(([method]) => {
    const name = method.toUpperCase();
    if (trusted.size === 0) return { ok: false, reason: `${name} required but trustedAuthservIds is empty` };
    const mine = seen.filter((e) => e.method === method);
    const passes = mine.filter((e) => e.result === 'pass');
    // A pass for the attacker's own domain proves nothing about the From address: it has to be aligned.
    if (passes.some((e) => e.domain === null || aligned(e.domain, fromDomain)))
      return { ok: true, reason: `${name} pass` };
    if (passes.length) {
      const domains = [...new Set(passes.map((e) => e.domain))].join(', ');
      const reason = `${name} pass for ${domains}, not aligned with the From domain ${fromDomain || '(none)'}`;
      return { ok: false, reason };
    }
    return {
      ok: false,
      reason: mine.length
        ? `${name} ${mine.map((e) => e.result).join(', ')} (pass required)`
        : `${name} missing: no result in a trusted Authentication-Results header`,
    };
  });
}

export function checkSender(headerLines: HeaderLine[], cfg: SenderAuthConfig): SenderAuthResult {
  const fromHeaders = headerLines.filter((h) => h.key === 'from');
  const from = fromHeaders[0] ? addressOf(headerValue(fromHeaders[0])) : '';
  const hops = hopsOf(headerLines);
  const edge = hops.findIndex((h) => !h.internal);
  // A-R headers written while our border MTA received the mail sit above the next Received header below it.
  const boundary = edge < 0 ? headerLines.length : (hops[edge + 1]?.index ?? headerLines.length);
  const checks: Check[] = [];
  if (fromHeaders.length > 1) checks.push({ ok: false, reason: `${fromHeaders.length} From headers (spoofing trick)` });
  if (cfg.allowedSenders.length > 0) {
    const ok = senderAllowed(from || undefined, cfg.allowedSenders);
    checks.push({ ok, reason: `sender ${from || '(none)'} ${ok ? 'is' : 'is not'} in allowedSenders` });
  }
  checks.push(...checkAuth(headerLines, boundary, cfg, from));
  if (cfg.trustedRelays.length > 0) checks.push(checkReceived(hops, cfg.trustedRelays));
  const auto = autoReplyReasons(headerLines, from);
  const configured =
    cfg.allowedSenders.length + cfg.trustedRelays.length > 0 || cfg.requireSpf || cfg.requireDkim || cfg.requireDmarc;
  const reasons = [...auto, ...checks.map((c) => c.reason)];
  if (!configured) reasons.push('no sender-authenticity checks configured');
  const trusted = configured && auto.length === 0 && checks.every((c) => c.ok);
  return { verdict: trusted ? 'trusted' : 'untrusted', reasons, ...(from ? { from } : {}), autoReply: auto.length > 0 };
}

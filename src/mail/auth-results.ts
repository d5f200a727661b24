import { getDomain } from 'tldts';
import type { SenderAuthConfig } from '../config/schema.ts';
import { MAX_HEADER_CHARS, headerValue, stripComments, type HeaderLine } from './header-text.ts';
import type { Chain } from './received-chain.ts';

/**
 * Authentication-Results (RFC 8601) as evidence for the sender verdict.
 * - Only headers whose authserv-id is in `trustedAuthservIds` count.
 * - A `pass` counts only from a header *above* the Internet border hop's Received header: everything below it
 *   may have been written by the sender (a forged `spf=pass` placed at the top of the sender's own headers lands
 *   directly below the border hop, where milters such as OpenDMARC also insert theirs).
 * - A `fail` (SPF also `softfail`) about the From domain counts from any trusted header down to the next Received
 *   header below the border hop, and beats any pass: believing a forged fail can only withhold automation.
 * - A pass counts only for a domain aligned with the From domain (relaxed, via the Public Suffix List).
 */

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

type Check = { ok: boolean; reason: string };

const prop = (name: string): RegExp => new RegExp(`(?:^|\\s)${name.replace('.', '\\.')}\\s*=\\s*"?([^\\s";]+)`, 'i');
const DOMAIN_PROPS: Record<string, RegExp[]> = {
  spf: [prop('smtp.mailfrom')],
  dkim: [prop('header.d'), prop('header.i')],
  dmarc: [prop('header.from')],
};
const FAILS: Record<string, string[]> = { spf: ['fail', 'softfail'], dkim: ['fail'], dmarc: ['fail'] };

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

interface Evidence {
  /** Entries from trusted headers above the border hop. */
  above: AuthEntry[];
  /** Entries from trusted headers between the border hop and the next Received header. */
  below: AuthEntry[];
  /** A trusted header too long to read: nothing can be concluded. */
  oversized: boolean;
}

function collect(headers: HeaderLine[], chain: Chain, trusted: Set<string>): Evidence {
  const border = chain.border < 0 ? headers.length : chain.border;
  const ev: Evidence = { above: [], below: [], oversized: false };
  for (let i = 0; i < chain.belowBorder; i++) {
    const h = headers[i] as HeaderLine;
    if (h.key !== 'authentication-results') continue;
    const ar = parseAuthResults(headerValue(h));
    if (!trusted.has(ar.authservId)) continue;
    if (h.line.length > MAX_HEADER_CHARS) ev.oversized = true;
    else (i < border ? ev.above : ev.below).push(...ar.entries);
  }
  return ev;
}

function verdictFor(method: string, ev: Evidence, fromDomain: string): Check {
  const name = method.toUpperCase();
  if (ev.oversized)
    return { ok: false, reason: `${name}: a trusted Authentication-Results header is too long to read` };
  const about = (e: AuthEntry): boolean => e.domain === null || aligned(e.domain, fromDomain);
  const isFail = (e: AuthEntry): boolean => e.method === method && (FAILS[method] ?? []).includes(e.result);
  // Believed: everything above the border hop, and fails from just below it.
  const mine = [...ev.above.filter((e) => e.method === method), ...ev.below.filter(isFail)];
  const fails = mine.filter((e) => isFail(e) && about(e));
  const passes = mine.filter((e) => e.result === 'pass');
  // A pass for the attacker's own domain proves nothing about the From address: it has to be aligned.
  const alignedPass = passes.some(about);
  if (fails.length && passes.length) {
    return { ok: false, reason: `${name} ${fails.map((e) => e.result).join(', ')} beats pass (trusted result)` };
  }
  if (alignedPass) return { ok: true, reason: `${name} pass` };
  if (passes.length) {
    const domains = [...new Set(passes.map((e) => e.domain))].join(', ');
    return {
      ok: false,
      reason: `${name} pass for ${domains}, not aligned with the From domain ${fromDomain || '(none)'}`,
    };
  }
  if (!mine.length && ev.below.some((e) => e.method === method && e.result === 'pass')) {
    return { ok: false, reason: `${name} pass only below the Internet border hop (not believed)` };
  }
  return {
    ok: false,
    reason: mine.length
      ? `${name} ${mine.map((e) => e.result).join(', ')} (pass required)`
      : `${name} missing: no result in a trusted Authentication-Results header`,
  };
}

export function checkAuth(headers: HeaderLine[], chain: Chain, cfg: SenderAuthConfig, from: string): Check[] {
  const wanted = (
    [
      ['spf', cfg.requireSpf],
      ['dkim', cfg.requireDkim],
      ['dmarc', cfg.requireDmarc],
    ] as const
  ).filter(([, on]) => on);
  if (wanted.length === 0) return [];
  const trusted = new Set(cfg.trustedAuthservIds.map((s) => s.toLowerCase()));
  const ev = collect(headers, chain, trusted);
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  return wanted.map(([method]) =>
    trusted.size === 0
      ? { ok: false, reason: `${method.toUpperCase()} required but trustedAuthservIds is empty` }
      : verdictFor(method, ev, fromDomain),
  );
}

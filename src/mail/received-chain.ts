import type { SenderAuthConfig } from '../config/schema.ts';
import { globMatcher } from '../match/glob.ts';
import { ipMatcher, parseIp } from '../match/ip-match.ts';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { MAX_HEADER_CHARS, headerValue, type HeaderLine } from './header-text.ts';
import { parseReceived } from './received.ts';

/**
 * The Received chain, walked top-down (headers are prepended hop by hop, so the top ones are ours). Hops are
 * parsed only down to the Internet border hop: what lies below it was written by the sender and is never read.
 */

export interface Hop {
  /** Position of this Received header in the header list. */
  index: number;
  ip: string | null;
  /** The MTA-verified name of the connecting host (never the HELO). */
  name: string | null;
  /** Private, loopback, link-local, ULA, CGN address, or no address at all (LMTP hand-off, local pickup). */
  internal: boolean;
  /** Why the hop could not be attributed to the receiving MTA (then it is the border and not believed). */
  error?: string;
}

export interface Chain {
  /** Parsed hops from the top down to and including the border hop (at most MAX_RECEIVED_HOPS). */
  hops: Hop[];
  /** Header index of the border hop: the first hop that is not internal; -1 when every hop is internal. */
  border: number;
  /** Header index of the next Received header below the border hop (headers.length when none). */
  belowBorder: number;
}

/** Received headers read at most; a chain longer than that without a border counts as having one there. */
export const MAX_RECEIVED_HOPS = 50;

const INTERNAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);

function hopOf(h: HeaderLine, index: number): Hop {
  const r =
    h.line.length > MAX_HEADER_CHARS
      ? { ip: null, name: null, error: `header over ${MAX_HEADER_CHARS} characters` }
      : parseReceived(headerValue(h));
  const addr = r.ip ? parseIp(r.ip) : null;
  const internal = r.error === undefined && (addr === null || INTERNAL_RANGES.has(addr.range()));
  return { index, ip: r.ip, name: r.name, internal, ...(r.error ? { error: r.error } : {}) };
}

export function readChain(headers: HeaderLine[]): Chain {
  const hops: Hop[] = [];
  let border = -1;
  for (let i = 0; i < headers.length; i++) {
    if ((headers[i] as HeaderLine).key !== 'received') continue;
    if (border >= 0) return { hops, border, belowBorder: i };
    if (hops.length === MAX_RECEIVED_HOPS) {
      const error = `more than ${MAX_RECEIVED_HOPS} Received headers`;
      hops.push({ index: i, ip: null, name: null, internal: false, error });
      border = i;
      continue;
    }
    const hop = hopOf(headers[i] as HeaderLine, i);
    hops.push(hop);
    if (!hop.internal) border = i;
  }
  return { hops, border, belowBorder: headers.length };
}

type Check = { ok: boolean; reason: string };
type Matcher = (hop: Hop) => string | null;

const relayCache = new WeakMap<string[], Matcher>();

function tryIp(entry: string): boolean {
  try {
    ipMatcher([entry], 'x');
    return true;
  } catch {
    return false;
  }
}

/**
 * IP/CIDR/range entries match the hop address; other entries are host-name globs on the MTA-verified name only
 * (Postfix/Sendmail rDNS comment, Exim's first word), never on the HELO. A bad entry is AppError CONFIG_INVALID
 * naming it, e.g. `senderAuth.trustedRelays[1] "10.0.0.300": not an IP address, CIDR or range`.
 */
function relayMatcher(relays: string[]): Matcher {
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
  const fn: Matcher = (hop) => (hop.ip ? ips(hop.ip) : null) ?? (hop.name ? names(hop.name) : null);
  relayCache.set(relays, fn);
  return fn;
}

/** Validates the sender-authenticity settings at start-up (check-config, main) instead of at the first mail. */
export function validateSenderAuth(cfg: SenderAuthConfig): void {
  relayMatcher(cfg.trustedRelays);
}

const describeHop = (hop: Hop): string => `${hop.name ?? '(no name)'} [${hop.ip ?? 'no address'}]`;

/** Walks the chain top-down through internal hops until a trusted relay or the border hop. */
export function checkReceived(chain: Chain, relays: string[]): Check {
  const match = relayMatcher(relays);
  for (const hop of chain.hops) {
    if (hop.error) {
      const reason = `Received: hop ${chain.hops.indexOf(hop) + 1} not attributable to the receiving MTA (${hop.error}); hops below it are not believed`;
      return { ok: false, reason };
    }
    const rule = match(hop);
    if (rule) return { ok: true, reason: `Received: hop from ${describeHop(hop)} matches ${rule}` };
    if (!hop.internal) {
      return {
        ok: false,
        reason: `Received: hop from public address ${describeHop(hop)} is not a trusted relay (hops below it are not believed)`,
      };
    }
  }
  return { ok: false, reason: `Received: no hop from a trusted relay in ${chain.hops.length} Received header(s)` };
}

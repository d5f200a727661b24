import { parseIp } from '../match/ip-match.ts';
import { MAX_HEADER_CHARS } from './header-text.ts';

/**
 * One Received header → the connecting host, as far as the *receiving* MTA wrote it (pure, linear time).
 *
 * The `from` clause mixes what the MTA saw with what the client claimed. Only the former counts:
 * - Postfix `from HELO (rdns [ip])`: rdns is forward-confirmed or the word `unknown`.
 * - Sendmail `from HELO (rdns [ip])`, `from HELO (rdns [ip] (may be forged))`, `from HELO ([ip])`.
 * - Exim `from rdns ([ip]:port helo=HELO)`, `from rdns ([ip])`, `from [ip] (helo=HELO)`; the first word is the
 *   verified rDNS name or Exim's own `[ip]`, recognised by the `(Exim x.y)` comment in the by clause or Exim-only
 *   syntax in the comment (`helo=`, `ident=`, `]:port`).
 * - Exchange / Microsoft 365 (and qmail) `from HELO (ip) by host (ip) with Microsoft SMTP Server …`.
 * The HELO is never read: neither its address nor its name. A name is returned only where the MTA verified it.
 * A `from` clause that cannot be attributed this way (HELO with spaces, two address comments, two `by`,
 * unbalanced comments, over 8 KiB) yields `error`, and the caller must treat the hop as not believed.
 */

export interface ReceivedHop {
  /** Connecting address as the receiving MTA wrote it; null when the header records none (LMTP, local pickup). */
  ip: string | null;
  /** The connecting host's name where the MTA verified it (forward-confirmed rDNS), else null. Never the HELO. */
  name: string | null;
  /** Set when the header has a `from` clause that cannot be attributed to the receiving MTA. */
  error?: string;
}

type Token = { kind: 'word' | 'comment'; text: string };

const refuse = (error: string): ReceivedHop => ({ ip: null, name: null, error });
const isWord =
  (w: string) =>
  (t: Token): boolean =>
    t.kind === 'word' && t.text.toLowerCase() === w;
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/** Index of the `)` closing the comment opened at `start`, or -1. Backslash escapes one character. */
function commentEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** End of the word starting at `start` (quoted strings inside a word, as in `for <"a b"@x>`, are skipped), or -1. */
function wordEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) return -1;
      i++;
    } else if (isSpace(c) || c === '(' || c === ')' || c === ';') return i;
    else i++;
  }
  return i;
}

/**
 * Top-level words and comments up to the first top-level `;` (the date follows it). Each character is looked at
 * once. Null when a comment or quoted string is not closed or a `)` has no `(`.
 */
function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) i++;
    else if (c === ';') break;
    else if (c === ')') return null;
    else if (c === '(') {
      const end = commentEnd(text, i);
      if (end < 0) return null;
      tokens.push({ kind: 'comment', text: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      const end = wordEnd(text, i);
      if (end < 0) return null;
      tokens.push({ kind: 'word', text: text.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

/** `[192.0.2.1]`, `[IPv6:2001:db8::1]`, `[fe80::1%12]`, `[192.0.2.1]:25` → the normalised address. */
function literalIp(text: string): string | null {
  const m = /^\[(?:ipv6:)?([0-9a-f:.]{2,45})(?:%[0-9a-z]{1,16})?\](?::\d{1,5})?$/i.exec(text);
  return m ? (parseIp(m[1] as string)?.toString() ?? null) : null;
}

/** A DNS host name (lower case, no trailing dot), or null for `unknown`, addresses and anything else. */
function hostName(text: string): string | null {
  const t = text.toLowerCase().replace(/\.$/, '');
  if (t === 'unknown' || t.length > 253 || parseIp(t)) return null;
  return /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(t) ? t : null;
}

/** True when the comment carries a connecting address: a `[…]` word (not `helo=[…]`) or a bare address. */
function hasAddress(comment: string): boolean {
  const inner = tokenize(comment);
  if (!inner) return true; // unreadable: counts, so that it cannot hide next to the real one
  const words = inner.filter((t) => t.kind === 'word');
  if (words[0] && parseIp(words[0].text)) return true;
  return words.some((t) => t.text.startsWith('['));
}

/** The `(Exim 4.96)` comment of Exim's by clause, before `id`, `for` and `(envelope-from …)` (sender-chosen). */
function eximMarker(afterBy: Token[]): boolean {
  for (const t of afterBy) {
    if (t.kind === 'word' && /^(?:id|for)$/i.test(t.text)) return false;
    if (t.kind === 'comment' && /^\s*envelope-from\b/i.test(t.text)) return false;
    if (t.kind === 'comment' && /^\s*exim\s+\d/i.test(t.text)) return true;
  }
  return false;
}

/** Reads the one address comment of the from clause (see the module comment for the shapes). */
function fromComment(first: string, comment: string, exim: boolean): ReceivedHop {
  const inner = tokenize(comment);
  const [a, b] = inner ?? [];
  if (!inner || a?.kind !== 'word') return refuse('unreadable address comment');
  if (a.text.startsWith('[')) {
    // Exim (`rdns ([ip]…)`: rdns verified) or Sendmail without rDNS (`HELO ([ip])`): the name only for Exim.
    const ip = literalIp(a.text);
    if (!ip) return refuse('no address in the address comment');
    const eximSyntax =
      /\]:\d+$/.test(a.text) || inner.some((t) => t.kind === 'word' && /^(?:helo|ident)=/i.test(t.text));
    return { ip, name: exim || eximSyntax ? hostName(first) : null };
  }
  const bare = parseIp(a.text);
  if (bare && inner.length === 1) return { ip: bare.toString(), name: null }; // Exchange, Microsoft 365, qmail
  if (b?.kind === 'word' && b.text.startsWith('[')) {
    // Postfix / Sendmail `(rdns [ip])`: rdns is what the MTA resolved; `unknown` or `(may be forged)` = unverified.
    const ip = literalIp(b.text);
    const rest = inner.slice(2);
    if (!ip || rest.some((t) => t.kind === 'word')) return refuse('address comment of an unknown shape');
    const forged = rest.some((t) => /may be forged/i.test(t.text));
    return { ip, name: forged ? null : hostName(a.text.slice(a.text.lastIndexOf('@') + 1)) };
  }
  return refuse('address comment of an unknown shape');
}

/** Parses one unfolded Received value into the connecting host (see the module comment). */
export function parseReceived(value: string): ReceivedHop {
  if (value.length > MAX_HEADER_CHARS) return refuse(`header over ${MAX_HEADER_CHARS} characters`);
  const tokens = tokenize(value);
  if (!tokens) return refuse('unbalanced comment or quoted string');
  const fromAt = tokens.findIndex(isWord('from'));
  if (fromAt < 0) return { ip: null, name: null };
  if (fromAt > 0) return refuse('from clause not at the start');
  const byAt = tokens.findIndex(isWord('by'));
  if (byAt < 2 || tokens[1]?.kind !== 'word') return refuse('no host or no by clause after from');
  if (tokens.filter(isWord('by')).length > 1) return refuse('more than one by clause');
  const between = tokens.slice(2, byAt);
  if (between.some((t) => t.kind === 'word')) return refuse('more than one word between from and by');
  const first = tokens[1].text;
  const exim = eximMarker(tokens.slice(byAt + 1));
  const addressed = between.filter((t) => hasAddress(t.text));
  if (addressed.length > 1) return refuse('more than one comment with an address');
  if (addressed[0]) return fromComment(first, addressed[0].text, exim);
  // Exim without a verified name writes its own `[ip]` first: `from [ip] (helo=HELO)`.
  const own = exim ? literalIp(first) : null;
  return own ? { ip: own, name: null } : refuse('no address written by the receiving MTA');
}

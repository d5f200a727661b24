/**
 * Header text helpers for the sender-authenticity checks (pure). Every value that reaches a parser here is capped
 * first: header text is written by the sender and may be hostile (one Received header with 73 KB of spaces used to
 * stall the old regular expression for seconds).
 */

export interface HeaderLine {
  /** Lower-case header name. */
  key: string;
  /** The full raw header line including its name, possibly folded. */
  line: string;
}

/**
 * Longest header line (raw, folded, in characters) that the sender checks read: 8 KiB. Real Received and
 * Authentication-Results headers stay far below 1 KiB; longer ones are refused (Received, Authentication-Results)
 * or cut (auto-reply indicators), never scanned in full.
 */
export const MAX_HEADER_CHARS = 8 * 1024;

/** The unfolded value after the colon; the raw line is cut to `maxChars` first (the caller decides about longer). */
export function headerValue(h: HeaderLine, maxChars = MAX_HEADER_CHARS): string {
  const raw = h.line.length > maxChars ? h.line.slice(0, maxChars) : h.line;
  const unfolded = raw.replace(/\r?\n(?=[ \t])/g, '');
  const colon = unfolded.indexOf(':');
  return (colon >= 0 ? unfolded.slice(colon + 1) : unfolded).trim();
}

/** Removes RFC 5322 comments `( … )` (nested, outside quoted strings). Linear in the length of `text`. */
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

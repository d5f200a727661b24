import { compileLinearRegex, type LinearRegex } from './linear-regex.ts';

/**
 * Envelope filter applied by ingest before a mail is queued (pure): allowed senders, subject patterns and the
 * raw size cap. Mail that fails is left alone (or moved aside), never parsed.
 */
export interface EnvelopeFilterConfig {
  allowedSenders: string[];
  subjectPatterns: string[];
  maxRawBytes: number;
}

export interface Envelope {
  from?: string | undefined;
  subject?: string | undefined;
  sizeBytes: number;
}

export type EnvelopeDecision =
  { ok: true } | { ok: false; reason: 'too_large' | 'sender_not_allowed' | 'subject_not_matched'; detail: string };

export function checkEnvelope(env: Envelope, cfg: EnvelopeFilterConfig): EnvelopeDecision {
  if (env.sizeBytes > cfg.maxRawBytes) {
    return { ok: false, reason: 'too_large', detail: `${env.sizeBytes} bytes > cap ${cfg.maxRawBytes}` };
  }
  if (cfg.allowedSenders.length > 0 && !senderAllowed(env.from, cfg.allowedSenders)) {
    return { ok: false, reason: 'sender_not_allowed', detail: `sender ${env.from ?? '(none)'} is not allowed` };
  }
  if (cfg.subjectPatterns.length > 0 && !subjectMatches(env.subject ?? '', cfg.subjectPatterns)) {
    return { ok: false, reason: 'subject_not_matched', detail: 'subject matches no configured pattern' };
  }
  return { ok: true };
}

/** `user@host` exact (case-insensitive) or `*@host` for a whole domain. */
export function senderAllowed(from: string | undefined, allowed: string[]): boolean {
  if (!from) return false;
  const addr = from.trim().toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    return p.startsWith('*@') ? addr.endsWith(p.slice(1)) : addr === p;
  });
}

const compiled = new Map<string, LinearRegex | null>();

/** `/source/flags` compiled by the linear matcher; null = not written as a regex. Throws LinearRegexError. */
export function subjectRegex(pattern: string): LinearRegex | null {
  const re = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (!re) return null;
  let hit = compiled.get(pattern);
  if (hit === undefined) {
    hit = compileLinearRegex(re[1] as string, re[2]);
    compiled.set(pattern, hit);
  }
  return hit;
}

/**
 * A pattern is a case-insensitive substring, or a regular expression written as /…/flags. Regexes run on a
 * linear-time matcher (the subject is mail-derived; RegExp backtracking could hang the watcher); one it cannot
 * run matches nothing here and is refused at config load (checkConfigSemantics).
 */
export function subjectMatches(subject: string, patterns: string[]): boolean {
  const s = subject.toLowerCase();
  return patterns.some((pattern) => {
    let re: LinearRegex | null;
    try {
      re = subjectRegex(pattern);
    } catch {
      return false;
    }
    return re ? re.test(subject) : s.includes(pattern.toLowerCase());
  });
}

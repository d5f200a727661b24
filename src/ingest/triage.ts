import { checkEnvelope, type EnvelopeFilterConfig } from '../mail/envelope-filter.ts';

/**
 * What the watcher does with one message before any MIME parsing (pure). Sender and subject are checked first:
 * mail that is not a SEPM alert is left alone (or moved aside) whatever its size; only SEPM-looking mail that is
 * over the cap, or whose source cannot be read, goes to quarantine with a reason.
 */
export type Triage =
  | { action: 'accept' }
  | { action: 'ignore'; reason: string; detail: string }
  | { action: 'quarantine'; reason: 'too_large' | 'unreadable'; detail: string };

export interface MessageSummary {
  from?: string | undefined;
  subject?: string | undefined;
  sizeBytes: number;
}

export function triageMessage(msg: MessageSummary, filter: EnvelopeFilterConfig): Triage {
  const env = checkEnvelope({ from: msg.from, subject: msg.subject, sizeBytes: 0 }, filter);
  if (!env.ok) return { action: 'ignore', reason: env.reason, detail: env.detail };
  const size = checkEnvelope({ from: msg.from, subject: msg.subject, sizeBytes: msg.sizeBytes }, filter);
  if (!size.ok) return { action: 'quarantine', reason: 'too_large', detail: size.detail };
  return { action: 'accept' };
}

/** The IMAP keyword set on quarantined mail (keywords are atoms: no spaces or specials). */
export const QUARANTINE_KEYWORD = '$SepmIntakeQuarantined';

export interface QuarantineRecord {
  source: string;
  mailbox?: string;
  uidValidity?: string;
  uid?: number;
  file?: string;
  messageId?: string;
  reason: string;
  detail: string;
  at: number;
}

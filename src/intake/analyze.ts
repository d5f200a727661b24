import type { Config, SenderAuthConfig } from '../config/schema.ts';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { applyWhitelist, compileWhitelist, type CompiledWhitelist } from '../whitelist/index.ts';
import { eventsToArtifacts } from '../mail/artifacts.ts';
import { senderAllowed } from '../mail/envelope-filter.ts';
import { extractNotification, MAX_BODY_CHARS } from '../mail/extract.ts';
import { splitInlineForward } from '../mail/forward.ts';
import { decodeMail, type DecodedMail } from '../mail/mime.ts';
import { checkSender } from '../mail/sender-auth.ts';
import { htmlToText } from '../mail/text.ts';
import type { MailMeta, MailParseResult, SenderAuthResult, SepNotification } from '../mail/types.ts';

/**
 * The per-mail pipeline (pure apart from in-memory MIME decoding): raw MIME → decoded mail → sender verdict →
 * notification → artifacts → whitelist → decision. Bad mail content never throws: it yields `accepted: false`
 * with a reason. Only programming or configuration errors (e.g. an unknown time zone) throw.
 */

export interface AnalyzeOptions {
  maxRawBytes: number;
  /** Envelope From addresses accepted (`*@domain` allowed); empty = any sender. */
  allowedSenders: string[];
  senderAuth: SenderAuthConfig;
  whitelist: CompiledWhitelist;
  /** IANA zone for SEPM dates printed without one. */
  timeZone: string;
}

export const RejectReasons = {
  notRisk: 'not_risk',
  senderNotAllowed: 'sender_not_allowed',
  autoReply: 'auto_reply',
  tooLarge: 'too_large',
  unreadable: 'unreadable',
  noEvents: 'no_events',
} as const;
export type RejectReason = (typeof RejectReasons)[keyof typeof RejectReasons];

/** AnalyzeOptions from the loaded configuration (compiles the whitelist: invalid entries throw). */
export function analyzeOptionsFromConfig(config: Config): AnalyzeOptions {
  return {
    maxRawBytes: config.mail.filter.maxRawBytes,
    allowedSenders: config.mail.filter.allowedSenders,
    senderAuth: config.senderAuth,
    whitelist: compileWhitelist(config.whitelist),
    timeZone: config.mail.timeZone,
  };
}

export async function analyzeMail(raw: Buffer, options: AnalyzeOptions): Promise<MailParseResult> {
  let decoded: DecodedMail;
  try {
    decoded = await decodeMail(raw, { maxRawBytes: options.maxRawBytes });
  } catch (err) {
    if (err instanceof AppError && err.code === ErrorCodes.MAIL_TOO_LARGE) return unread(raw, 'too_large', err);
    if (err instanceof AppError && err.code === ErrorCodes.MAIL_UNREADABLE) return unread(raw, 'unreadable', err);
    throw err;
  }
  const sender = checkSender(decoded.headerLines, options.senderAuth);
  const alert = pickAlert(decoded);
  const notification = extractAlert(alert, options.timeZone);
  notification.forwarded = alert.forwarded;
  const { kept, dropped } = applyWhitelist(eventsToArtifacts(notification), options.whitelist);
  const rejectReason = decide(decoded.meta, sender, notification, options.allowedSenders);
  const result: MailParseResult = {
    accepted: rejectReason === undefined,
    mail: decoded.meta,
    notification,
    artifacts: kept,
    dropped,
    sender,
  };
  if (rejectReason) result.rejectReason = rejectReason;
  return result;
}

/** Extracts from the chosen body; a stub text/plain part ("view this mail in HTML") falls back to the HTML part. */
function extractAlert(alert: Alert, timeZone: string): SepNotification {
  const n = extractNotification(alert.subject, alert.body, { timeZone, html: alert.html });
  if (n.events.length > 0 || !alert.alternative) return n;
  const fromHtml = extractNotification(alert.subject, alert.alternative.html, { timeZone, html: true });
  return fromHtml.events.length > 0 ? fromHtml : n;
}

function decide(
  meta: MailMeta,
  sender: SenderAuthResult,
  n: SepNotification,
  allowedSenders: string[],
): RejectReason | undefined {
  if (sender.autoReply) return RejectReasons.autoReply;
  if (allowedSenders.length > 0 && !senderAllowed(meta.from, allowedSenders)) return RejectReasons.senderNotAllowed;
  if (!n.isRisk) return RejectReasons.notRisk;
  if (n.events.length === 0) return RejectReasons.noEvents;
  return undefined;
}

interface Alert {
  subject: string;
  body: string;
  html: boolean;
  forwarded: boolean;
  /** The text/html alternative of a text/plain body, tried when the plain text yields no event. */
  alternative?: { html: string };
}

const FORWARD_PREFIX = /^(?:\s*(?:fwd?|tr|wg|rv|re)\s*:\s*)+/i;

/** The alert text: an attached message/rfc822 forward first, then an inline forward, else the mail itself. */
function pickAlert(d: DecodedMail): Alert {
  if (d.forwardedInner) {
    const inner = pickAlert(d.forwardedInner);
    return { ...inner, forwarded: true };
  }
  const ownText = d.text.trim() !== '' ? d.text : undefined;
  // Bounded like the extractor's input: forward markers sit near the top of what a person wrote.
  const plain = (ownText ?? (d.html !== undefined ? htmlToText(d.html.slice(0, MAX_BODY_CHARS)) : '')).slice(
    0,
    MAX_BODY_CHARS,
  );
  const inline = splitInlineForward(plain);
  if (inline) {
    const subject = inline.subject || d.meta.subject.replace(FORWARD_PREFIX, '');
    return { subject, body: inline.body, html: false, forwarded: true };
  }
  const own = { subject: d.meta.subject, forwarded: false };
  if (ownText !== undefined) {
    const alt = { html: d.html ?? '' };
    return { ...own, body: ownText, html: false, ...(d.html !== undefined ? { alternative: alt } : {}) };
  }
  return { ...own, body: d.html ?? '', html: d.html !== undefined };
}

function unread(raw: Buffer, reason: 'too_large' | 'unreadable', err: AppError): MailParseResult {
  return {
    accepted: false,
    rejectReason: reason,
    mail: { subject: '', sizeBytes: raw.length },
    notification: null,
    artifacts: [],
    dropped: [],
    sender: { verdict: 'untrusted', reasons: [`mail not read: ${err.code}: ${err.message}`], autoReply: false },
  };
}

export { decodeMail } from '../mail/mime.ts';
export { extractNotification } from '../mail/extract.ts';
export { eventsToArtifacts } from '../mail/artifacts.ts';

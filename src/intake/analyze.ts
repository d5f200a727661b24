import type { Config, SenderAuthConfig } from '../config/schema.ts';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { applyWhitelist, compileWhitelist, type CompiledWhitelist } from '../whitelist/index.ts';
import { eventsToArtifacts } from '../mail/artifacts.ts';
import { checkEnvelope } from '../mail/envelope-filter.ts';
import { extractNotification, MAX_BODY_CHARS } from '../mail/extract.ts';
import { splitInlineForward } from '../mail/forward.ts';
import { decodeMail, type DecodedMail } from '../mail/mime.ts';
import { authenticityChecksConfigured, checkSender } from '../mail/sender-auth.ts';
import { htmlToText } from '../mail/text.ts';
import type { MailMeta, MailParseResult, SenderAuthResult, SepNotification } from '../mail/types.ts';

/**
 * The per-mail pipeline and its one decision (pure apart from in-memory MIME decoding): raw MIME → decoded mail →
 * sender verdict → notification → artifacts → whitelist → decision. The intake worker and `sepm-intake parse` both
 * call decideMail, so they give the same answer with the same reason code. Bad mail content never throws: it
 * yields `accepted: false` with a reason. Only programming or configuration errors (e.g. an unknown time zone)
 * throw.
 */

export interface AnalyzeOptions {
  maxRawBytes: number;
  /** Envelope From addresses accepted (`*@domain` allowed); empty = any sender. */
  allowedSenders: string[];
  /**
   * Optional subject pre-filter (`mail.filter.subjectPatterns`): empty (the default) = any subject, because SEPM
   * subjects are admin-customisable and the body template decides the type (docs/reference/sepm-notifications.md §5).
   */
  subjectPatterns?: string[];
  /** With a sender-authenticity check configured, an untrusted verdict is rejected as `sender_untrusted`. */
  senderAuth: SenderAuthConfig;
  whitelist: CompiledWhitelist;
  /** IANA zone for SEPM dates printed without one. */
  timeZone: string;
}

export const RejectReasons = {
  notRisk: 'not_risk',
  senderNotAllowed: 'sender_not_allowed',
  subjectNotMatched: 'subject_not_matched',
  senderUntrusted: 'sender_untrusted',
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
    subjectPatterns: config.mail.filter.subjectPatterns,
    senderAuth: config.senderAuth,
    whitelist: compileWhitelist(config.whitelist),
    timeZone: config.mail.timeZone,
  };
}

/**
 * The stage that decided: `envelope` (size cap, allowed senders, optional subject patterns — the filter ingest
 * applies before queueing), `mime` (unreadable), `sender` (auto-reply, sender authenticity), `content` (not a risk
 * notification, no event), or `accepted` (every stage passed; the whitelist has split the artifacts).
 */
export type DecisionStage = 'envelope' | 'mime' | 'sender' | 'content' | 'accepted';

export interface MailDecision extends MailParseResult {
  decidedBy: DecisionStage;
}

/** The decision without the stage (the golden fixture format). */
export async function analyzeMail(raw: Buffer, options: AnalyzeOptions): Promise<MailParseResult> {
  const { decidedBy: _stage, ...result } = await decideMail(raw, options);
  return result;
}

export async function decideMail(raw: Buffer, options: AnalyzeOptions): Promise<MailDecision> {
  if (raw.length > options.maxRawBytes) {
    const err = new AppError(ErrorCodes.MAIL_TOO_LARGE, `mail is ${raw.length} bytes, cap is ${options.maxRawBytes}`);
    return { ...unread(raw, 'too_large', err), decidedBy: 'envelope' };
  }
  let decoded: DecodedMail;
  try {
    decoded = await decodeMail(raw, { maxRawBytes: options.maxRawBytes });
  } catch (err) {
    if (err instanceof AppError && err.code === ErrorCodes.MAIL_TOO_LARGE)
      return { ...unread(raw, 'too_large', err), decidedBy: 'mime' };
    if (err instanceof AppError && err.code === ErrorCodes.MAIL_UNREADABLE)
      return { ...unread(raw, 'unreadable', err), decidedBy: 'mime' };
    throw err;
  }
  const sender = checkSender(decoded.headerLines, options.senderAuth);
  const alert = pickAlert(decoded);
  const notification = extractAlert(alert, options.timeZone);
  notification.forwarded = alert.forwarded;
  const { kept, dropped } = applyWhitelist(eventsToArtifacts(notification), options.whitelist);
  const decision = decide(decoded.meta, raw.length, sender, notification, options);
  const result: MailDecision = {
    accepted: decision.reason === undefined,
    mail: decoded.meta,
    notification,
    artifacts: kept,
    dropped,
    sender,
    decidedBy: decision.stage,
  };
  if (decision.reason) result.rejectReason = decision.reason;
  return result;
}

/** Extracts from the chosen body; a stub text/plain part ("view this mail in HTML") falls back to the HTML part. */
function extractAlert(alert: Alert, timeZone: string): SepNotification {
  const n = extractNotification(alert.subject, alert.body, { timeZone, html: alert.html });
  if (n.events.length > 0 || !alert.alternative) return n;
  const fromHtml = extractNotification(alert.subject, alert.alternative.html, { timeZone, html: true });
  return fromHtml.events.length > 0 ? fromHtml : n;
}

type Decision = { stage: DecisionStage; reason?: RejectReason };

function decide(
  meta: MailMeta,
  sizeBytes: number,
  sender: SenderAuthResult,
  n: SepNotification,
  options: AnalyzeOptions,
): Decision {
  // The envelope filter ingest applied before queueing, again: a job added by hand skipped it, and parse must say it.
  const env = checkEnvelope(
    { from: meta.from, subject: meta.subject, sizeBytes },
    {
      allowedSenders: options.allowedSenders,
      subjectPatterns: options.subjectPatterns ?? [],
      maxRawBytes: options.maxRawBytes,
    },
  );
  if (!env.ok) return { stage: 'envelope', reason: env.reason };
  if (sender.autoReply) return { stage: 'sender', reason: RejectReasons.autoReply };
  if (authenticityChecksConfigured(options.senderAuth) && sender.verdict === 'untrusted')
    return { stage: 'sender', reason: RejectReasons.senderUntrusted };
  if (!n.isRisk) return { stage: 'content', reason: RejectReasons.notRisk };
  if (n.events.length === 0) return { stage: 'content', reason: RejectReasons.noEvents };
  return { stage: 'accepted' };
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

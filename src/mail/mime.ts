import { simpleParser, type AddressObject, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import type { MailMeta } from './types.ts';

/**
 * MIME decoding (mailparser) with explicit limits. Pure apart from mailparser's in-memory streams: no I/O.
 * Hostile-input rules: the raw size cap applies before any parsing; an oversized header block is refused; part
 * count and multipart depth are capped by cutting the raw message before the first part over the cap (mailsplit
 * aborts above 1,000 nodes, so we never let it get there), which yields a bounded partial result.
 */

export interface HeaderLine {
  key: string;
  line: string;
}

export interface DecodedMail {
  meta: MailMeta;
  headerLines: HeaderLine[];
  /** text/plain body ('' when the mail has none). */
  text: string;
  /** text/html body when present (not converted: the extractor strips tags itself). */
  html?: string;
  /** The alert inside an attached message/rfc822 forward, decoded the same way. */
  forwardedInner?: DecodedMail;
  /** True when the mail carries an attached message/rfc822 part (a person forwarded an alert). */
  forwarded: boolean;
  /** True when the part/depth cap cut the message. */
  cut?: boolean;
}

export interface DecodeLimits {
  maxRawBytes?: number;
}

export const DEFAULT_MAX_RAW_BYTES = 10 * 1024 * 1024;
/** Largest top-level header block accepted, bytes (real SEPM mails carry < 8 KB of headers). */
export const MAX_HEADER_BYTES = 256 * 1024;
/** Most boundary lines (≈ MIME parts) parsed; the rest of the message is cut off. */
export const MAX_PARTS = 200;
/** Most multipart containers parsed (bounds nesting depth as well). */
export const MAX_MULTIPARTS = 20;
/** Largest HTML body handed to the extractor, characters. */
export const MAX_HTML_CHARS = 512 * 1024;
/** message/rfc822 nesting followed for forwarded alerts. */
const MAX_FORWARD_DEPTH = 2;

export const PARSER_OPTIONS: SimpleParserOptions = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  skipTextLinks: true,
  keepCidLinks: true,
  maxHtmlLengthToParse: MAX_HTML_CHARS,
};

export async function decodeMail(raw: Buffer, limits: DecodeLimits = {}): Promise<DecodedMail> {
  return decodeAtDepth(raw, limits.maxRawBytes ?? DEFAULT_MAX_RAW_BYTES, 0);
}

async function decodeAtDepth(raw: Buffer, maxRawBytes: number, depth: number): Promise<DecodedMail> {
  if (raw.length > maxRawBytes) {
    throw new AppError(ErrorCodes.MAIL_TOO_LARGE, `mail is ${raw.length} bytes, cap is ${maxRawBytes}`, {
      details: { sizeBytes: raw.length, maxRawBytes },
    });
  }
  const headerEnd = findHeaderEnd(raw);
  if (headerEnd > MAX_HEADER_BYTES) {
    throw new AppError(ErrorCodes.MAIL_UNREADABLE, `header block is ${headerEnd} bytes, cap is ${MAX_HEADER_BYTES}`);
  }
  const cutAt = structureCut(raw);
  const input = cutAt === -1 ? raw : raw.subarray(0, cutAt);
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(input, PARSER_OPTIONS);
  } catch (err) {
    throw new AppError(ErrorCodes.MAIL_UNREADABLE, `MIME parse failed: ${(err as Error).message}`, { cause: err });
  }
  return toDecoded(parsed, raw.length, cutAt !== -1, maxRawBytes, depth);
}

async function toDecoded(
  parsed: ParsedMail,
  sizeBytes: number,
  cut: boolean,
  maxRawBytes: number,
  depth: number,
): Promise<DecodedMail> {
  const attached = parsed.attachments.find((a) => a.contentType.toLowerCase() === 'message/rfc822');
  let forwardedInner: DecodedMail | undefined;
  if (attached && depth < MAX_FORWARD_DEPTH) {
    try {
      forwardedInner = await decodeAtDepth(attached.content, maxRawBytes, depth + 1);
    } catch {
      // An unreadable attachment leaves the outer mail usable; the caller sees no inner alert.
      forwardedInner = undefined;
    }
  }
  const decoded: DecodedMail = {
    meta: metaOf(parsed, sizeBytes),
    headerLines: parsed.headerLines.map((h) => ({ key: h.key, line: h.line })),
    text: typeof parsed.text === 'string' ? parsed.text : '',
    forwarded: attached !== undefined,
  };
  if (typeof parsed.html === 'string' && parsed.html.length > 0) decoded.html = parsed.html.slice(0, MAX_HTML_CHARS);
  if (forwardedInner) decoded.forwardedInner = forwardedInner;
  if (cut) decoded.cut = true;
  return decoded;
}

function metaOf(parsed: ParsedMail, sizeBytes: number): MailMeta {
  const meta: MailMeta = { subject: (parsed.subject ?? '').trim(), sizeBytes };
  if (parsed.messageId) meta.messageId = parsed.messageId;
  const from = firstAddress(parsed.from);
  if (from) meta.from = from;
  const to = addresses(parsed.to);
  if (to.length > 0) meta.to = to;
  if (parsed.date && !Number.isNaN(parsed.date.getTime())) meta.date = parsed.date.toISOString();
  return meta;
}

function addresses(obj: AddressObject | AddressObject[] | undefined): string[] {
  if (!obj) return [];
  const list = Array.isArray(obj) ? obj : [obj];
  const out: string[] = [];
  for (const o of list) {
    for (const a of o.value) if (a.address) out.push(a.address.toLowerCase());
  }
  return out;
}

function firstAddress(obj: AddressObject | undefined): string | undefined {
  return addresses(obj)[0];
}

/** Byte offset of the blank line that ends the top-level header block (raw length when there is none). */
function findHeaderEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length === 0 ? raw.length : Math.min(...ends);
}

const NL = 0x0a;
const DASH = 0x2d;
/** "multipart/" without its first letter, so one search finds both cases of the usual spellings. */
const ULTIPART = Buffer.from('ultipart/');
const LOWER_M = 0x6d;
const UPPER_M = 0x4d;

/**
 * Offset at which to cut the raw message so that at most MAX_PARTS boundary-like lines ("--…") and
 * MAX_MULTIPARTS multipart containers are parsed; -1 when no cut is needed. One linear pass, no allocation.
 */
function structureCut(raw: Buffer): number {
  let parts = 0;
  // A plain byte loop: one native indexOf call per line cost more than the whole scan on small mails.
  const end = raw.length - 2;
  for (let pos = 0; pos < end; pos++) {
    if (raw[pos] === NL && raw[pos + 1] === DASH && raw[pos + 2] === DASH && ++parts > MAX_PARTS) return pos + 1;
  }
  let multiparts = 0;
  let at = raw.indexOf(ULTIPART, 1);
  while (at !== -1) {
    const m = raw[at - 1];
    if ((m === LOWER_M || m === UPPER_M) && ++multiparts > MAX_MULTIPARTS) {
      const lineStart = raw.lastIndexOf(NL, at);
      return lineStart === -1 ? at - 1 : lineStart + 1;
    }
    at = raw.indexOf(ULTIPART, at + ULTIPART.length);
  }
  return -1;
}

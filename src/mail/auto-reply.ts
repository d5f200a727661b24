import { headerValue, stripComments, type HeaderLine } from './header-text.ts';

/** Auto-reply and bounce indicators (pure). Values are cut to 8 KiB first: the indicator sits at the start. */

const AUTO_REPLY_KEYS = new Set([
  'auto-submitted',
  'x-autoreply',
  'x-autorespond',
  'precedence',
  'return-path',
  'content-type',
]);

function reasonFor(key: string, v: string): string | null {
  if (key === 'auto-submitted' && v !== 'no') return `auto-reply: Auto-Submitted: ${v}`;
  if (key === 'x-autoreply' || key === 'x-autorespond') return `auto-reply: ${key} header present`;
  if (key === 'precedence' && ['auto_reply', 'bulk', 'junk'].includes(v)) return `auto-reply: Precedence: ${v}`;
  if (key === 'return-path' && /^<\s*>$/.test(v)) return 'bounce: empty Return-Path <>';
  if (key === 'content-type' && /^multipart\/report\b/.test(v)) {
    const type = /report-type\s*=\s*"?([a-z-]+)/.exec(v)?.[1] ?? 'unknown';
    if (type === 'delivery-status' || type === 'disposition-notification') {
      return `bounce: multipart/report; report-type=${type}`;
    }
  }
  return null;
}

/** Auto-reply and bounce indicators, in words; empty = a normal mail. */
export function autoReplyReasons(headers: HeaderLine[], from: string): string[] {
  const reasons: string[] = [];
  for (const h of headers) {
    if (!AUTO_REPLY_KEYS.has(h.key)) continue;
    const reason = reasonFor(h.key, stripComments(headerValue(h)).toLowerCase());
    if (reason) reasons.push(reason);
  }
  const local = from.split('@')[0] ?? '';
  if (local === 'mailer-daemon' || local === 'postmaster') reasons.push(`bounce: sender ${from}`);
  return reasons;
}

import type { SenderAuthConfig } from '../config/schema.ts';
import { checkAuth } from './auth-results.ts';
import { autoReplyReasons } from './auto-reply.ts';
import { senderAllowed } from './envelope-filter.ts';
import { addressOf, headerValue, type HeaderLine } from './header-text.ts';
import { checkReceived, readChain } from './received-chain.ts';
import type { SenderAuthResult } from './types.ts';

/**
 * Sender authenticity (pure, headers only): decides whether a mail may trigger automatic actions. Verdict
 * `trusted` only when every configured check passes and the mail is no auto-reply or bounce. With no check
 * configured the verdict is `untrusted`: automation has to be opted into by configuring at least one check.
 *
 * Header trust model: headers are prepended hop by hop, so what sits below the first Received header that records a
 * connection from a public (Internet) address — the border hop — was written by the sender and may be forged.
 * - Received (received.ts, received-chain.ts): the connecting address and name are taken only from what the
 *   receiving MTA wrote (never the HELO); the chain is walked top-down through internal hops; the check passes at
 *   the first hop from a trusted relay and fails at the border hop, or at a hop that cannot be attributed to its
 *   MTA (fail closed). Hops below are never read.
 * - Authentication-Results (auth-results.ts): trusted authserv-ids only; passes only above the border hop; a
 *   trusted fail beats any pass. RFC 8601 §5 requires the border MTA to delete incoming A-R headers that carry
 *   its own authserv-id; configure it to do so.
 * - Several From headers are refused (a known DMARC bypass).
 */

export type { HeaderLine } from './header-text.ts';
export { addressOf, stripComments } from './header-text.ts';
export { parseAuthResults } from './auth-results.ts';
export { autoReplyReasons } from './auto-reply.ts';
export { parseReceived } from './received.ts';
export { validateSenderAuth } from './received-chain.ts';

type Check = { ok: boolean; reason: string };

/**
 * True when at least one sender-authenticity check is on (SPF, DKIM, DMARC or trusted relays): then an untrusted
 * verdict means forged or unverifiable mail, and intake rejects it as `sender_untrusted`. An address list alone
 * proves nothing (the From header is what the sender wrote), so it does not count.
 */
export function authenticityChecksConfigured(cfg: SenderAuthConfig): boolean {
  return cfg.requireSpf || cfg.requireDkim || cfg.requireDmarc || cfg.trustedRelays.length > 0;
}

export function checkSender(headerLines: HeaderLine[], cfg: SenderAuthConfig): SenderAuthResult {
  const fromHeaders = headerLines.filter((h) => h.key === 'from');
  const from = fromHeaders[0] ? addressOf(headerValue(fromHeaders[0])) : '';
  const chain = readChain(headerLines);
  const checks: Check[] = [];
  if (fromHeaders.length > 1) checks.push({ ok: false, reason: `${fromHeaders.length} From headers (spoofing trick)` });
  if (cfg.allowedSenders.length > 0) {
    const ok = senderAllowed(from || undefined, cfg.allowedSenders);
    checks.push({ ok, reason: `sender ${from || '(none)'} ${ok ? 'is' : 'is not'} in allowedSenders` });
  }
  checks.push(...checkAuth(headerLines, chain, cfg, from));
  if (cfg.trustedRelays.length > 0) checks.push(checkReceived(chain, cfg.trustedRelays));
  const auto = autoReplyReasons(headerLines, from);
  const configured =
    cfg.allowedSenders.length + cfg.trustedRelays.length > 0 || cfg.requireSpf || cfg.requireDkim || cfg.requireDmarc;
  const reasons = [...auto, ...checks.map((c) => c.reason)];
  if (!configured) reasons.push('no sender-authenticity checks configured');
  const trusted = configured && auto.length === 0 && checks.every((c) => c.ok);
  return { verdict: trusted ? 'trusted' : 'untrusted', reasons, ...(from ? { from } : {}), autoReply: auto.length > 0 };
}

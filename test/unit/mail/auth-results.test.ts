import { describe, expect, it } from 'vitest';
import { senderAuthSchema } from '../../../src/config/schema.ts';
import { checkSender } from '../../../src/mail/sender-auth.ts';
import { headers } from '../../helpers/header-lines.ts';

/**
 * Authentication-Results trust: passes only from trusted headers above the Internet border hop; a trusted fail
 * beats any pass. The sender writes everything below the border hop, including a forged A-R with our authserv-id.
 */

const cfg = senderAuthSchema.parse({
  trustedAuthservIds: ['mx.corp.local'],
  requireSpf: true,
  requireDmarc: true,
});

const BORDER = `Received: from mail.evil.example (mail.evil.example [203.0.113.66])
	by mx.corp.local (Postfix) with ESMTP id 1C3; Sat, 28 Nov 2026 08:00:01 +0000 (UTC)`;
const REAL_FAIL =
  'Authentication-Results: mx.corp.local; spf=fail smtp.mailfrom=corp.local; dmarc=fail header.from=corp.local';
const REAL_PASS =
  'Authentication-Results: mx.corp.local; spf=pass smtp.mailfrom=corp.local; dmarc=pass header.from=corp.local';
/** The sender's own topmost header: after delivery it sits directly below the border hop. */
const FORGED_PASS =
  'Authentication-Results: mx.corp.local; spf=pass smtp.mailfrom=sepm@corp.local; dkim=pass header.d=corp.local; dmarc=pass header.from=corp.local';
const FROM = 'From: SEPM <sepm@corp.local>';

const mail = (...lines: string[]) => headers(lines.join('\n'));

describe('Authentication-Results above and below the border hop', () => {
  it("a forged pass below the border hop loses to the border MTA's real spf=fail dmarc=fail", () => {
    const r = checkSender(mail(REAL_FAIL, BORDER, FORGED_PASS, FROM), cfg);
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['SPF fail (pass required)', 'DMARC fail (pass required)']);
  });

  it('a forged pass below the border hop is not believed on its own', () => {
    const r = checkSender(mail(BORDER, FORGED_PASS, FROM), cfg);
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual([
      'SPF pass only below the Internet border hop (not believed)',
      'DMARC pass only below the Internet border hop (not believed)',
    ]);
  });

  it('a real fail inserted below the border hop (milter at index 1) still beats the forged pass', () => {
    const r = checkSender(mail(BORDER, REAL_FAIL, FORGED_PASS, FROM), cfg);
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['SPF fail (pass required)', 'DMARC fail (pass required)']);
  });

  it('a trusted fail beats a trusted pass above the border hop too', () => {
    const r = checkSender(mail(REAL_PASS, REAL_FAIL, BORDER, FROM), cfg);
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['SPF fail beats pass (trusted result)', 'DMARC fail beats pass (trusted result)']);
    const soft = 'Authentication-Results: mx.corp.local; spf=softfail smtp.mailfrom=corp.local';
    expect(checkSender(mail(REAL_PASS, soft, BORDER, FROM), cfg).reasons[0]).toBe(
      'SPF softfail beats pass (trusted result)',
    );
  });

  it('positive control: the real pass above the border hop is trusted', () => {
    expect(checkSender(mail(REAL_PASS, BORDER, FROM), cfg)).toMatchObject({
      verdict: 'trusted',
      reasons: ['SPF pass', 'DMARC pass'],
    });
  });

  it("a DKIM fail for another domain does not beat an aligned pass (mailing lists break others' signatures)", () => {
    const dkim = senderAuthSchema.parse({ trustedAuthservIds: ['mx.corp.local'], requireDkim: true });
    const ar = 'Authentication-Results: mx.corp.local; dkim=fail header.d=esp.example; dkim=pass header.d=corp.local';
    expect(checkSender(mail(ar, BORDER, FROM), dkim).verdict).toBe('trusted');
    const own = 'Authentication-Results: mx.corp.local; dkim=fail header.d=corp.local; dkim=pass header.d=corp.local';
    expect(checkSender(mail(own, BORDER, FROM), dkim).verdict).toBe('untrusted');
  });

  it('a trusted header over 8 KiB is not read and fails the check', () => {
    const long = `${REAL_PASS}; x-note=${'a'.repeat(9000)}`;
    const r = checkSender(mail(long, BORDER, FROM), cfg);
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons[0]).toBe('SPF: a trusted Authentication-Results header is too long to read');
  });
});

import { describe, expect, it } from 'vitest';
import {
  addressOf,
  checkSender,
  parseAuthResults,
  parseReceived,
  stripComments,
  validateSenderAuth,
} from '../../../src/mail/sender-auth.ts';
import { senderAuthSchema, type SenderAuthConfig } from '../../../src/config/schema.ts';
import { headers } from '../../helpers/header-lines.ts';

const cfg = (over: Partial<SenderAuthConfig>): SenderAuthConfig => senderAuthSchema.parse(over);

/** SEPM (10.1.2.3) → internal relay (10.0.0.5) → mailbox, no Internet hop. */
const INTERNAL = headers(`
Received: from mx.corp.local (mx.corp.local [10.0.0.5])
	by mbox.corp.local (Postfix) with ESMTPS id 4F1;
	Sat, 28 Nov 2026 08:00:02 +0000 (UTC)
Authentication-Results: mx.corp.local;
	spf=pass (sender IP is 10.1.2.3) smtp.mailfrom=sepm@corp.local;
	dkim=pass header.d=corp.local header.s=s1;
	dmarc=pass (p=reject) header.from=corp.local
Received: from sepm01.corp.local (sepm01.corp.local [10.1.2.3])
	by mx.corp.local (Postfix) with ESMTP id 9A2;
	Sat, 28 Nov 2026 08:00:01 +0000 (UTC)
From: "Symantec Endpoint Protection Manager" <SEPM@corp.local>
To: soc@corp.local
Subject: Risk outbreak
Content-Type: text/plain; charset=utf-8
`);

/** An attacker on the Internet (203.0.113.66) forging a SEPM hop and an A-R header below our border MTA's hop. */
const SPOOFED = headers(`
Received: from mx.corp.local (mx.corp.local [10.0.0.5])
	by mbox.corp.local (Postfix) with ESMTPS id 77B;
	Sat, 28 Nov 2026 08:00:02 +0000 (UTC)
Authentication-Results: mx.corp.local; spf=fail smtp.mailfrom=corp.local; dkim=none; dmarc=fail header.from=corp.local
Received: from evil.example (unknown [203.0.113.66])
	by mx.corp.local (Postfix) with ESMTP id 1C3;
	Sat, 28 Nov 2026 08:00:01 +0000 (UTC)
Received: from attacker-box by relay.example (x) with SMTP id 9;
	Sat, 28 Nov 2026 07:59:59 +0000
Authentication-Results: mx.corp.local; spf=pass; dkim=pass; dmarc=pass
Received: from sepm01.corp.local (sepm01.corp.local [10.1.2.3]) by mx.corp.local (Postfix);
	Sat, 28 Nov 2026 07:59:58 +0000
From: SEPM <sepm@corp.local>
Subject: Risk outbreak
`);

const FULL = {
  allowedSenders: ['sepm@corp.local'],
  trustedAuthservIds: ['mx.corp.local'],
  requireSpf: true,
  requireDkim: true,
  requireDmarc: true,
  trustedRelays: ['10.1.2.3'],
};

describe('checkSender verdicts', () => {
  it('is untrusted with no checks configured, saying so', () => {
    const r = checkSender(INTERNAL, cfg({}));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toContain('no sender-authenticity checks configured');
    expect(r.from).toBe('sepm@corp.local');
    expect(r.autoReply).toBe(false);
  });

  it('is trusted when every configured check passes, with a reason per check', () => {
    const r = checkSender(INTERNAL, cfg(FULL));
    expect(r.verdict).toBe('trusted');
    expect(r.reasons).toEqual([
      'sender sepm@corp.local is in allowedSenders',
      'SPF pass',
      'DKIM pass',
      'DMARC pass',
      'Received: hop from sepm01.corp.local [10.1.2.3] matches senderAuth.trustedRelays: 10.1.2.3',
    ]);
  });

  it('refuses a spoofed Internet mail: failing A-R on top, forged hops and A-R below the boundary ignored', () => {
    const r = checkSender(SPOOFED, cfg(FULL));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toContain('sender sepm@corp.local is in allowedSenders');
    expect(r.reasons).toContain('SPF fail (pass required)');
    expect(r.reasons).toContain('DKIM none (pass required)');
    expect(r.reasons.some((x) => x.includes('public address (no name) [203.0.113.66] is not a trusted relay'))).toBe(
      true,
    );
  });

  it('ignores a forged passing A-R below the boundary even when the top one is missing', () => {
    const noTop = SPOOFED.filter((_, i) => i !== 1);
    const r = checkSender(noTop, cfg({ trustedAuthservIds: ['mx.corp.local'], requireDkim: true }));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['DKIM missing: no result in a trusted Authentication-Results header']);
  });
});

describe('each check on its own', () => {
  it('allowedSenders: exact and *@domain, case-insensitive', () => {
    expect(checkSender(INTERNAL, cfg({ allowedSenders: ['*@CORP.local'] })).verdict).toBe('trusted');
    const r = checkSender(INTERNAL, cfg({ allowedSenders: ['alerts@corp.local'] }));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['sender sepm@corp.local is not in allowedSenders']);
  });

  it('refuses a mail with two From headers', () => {
    const two = [...INTERNAL, { key: 'from', line: 'From: boss@corp.local' }];
    const r = checkSender(two, cfg({ allowedSenders: ['sepm@corp.local'] }));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toContain('2 From headers (spoofing trick)');
  });

  it('A-R from an untrusted authserv-id does not count', () => {
    const r = checkSender(INTERNAL, cfg({ trustedAuthservIds: ['other.mx'], requireSpf: true }));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['SPF missing: no result in a trusted Authentication-Results header']);
  });

  it('a required result without any trusted authserv-id is a failure with a clear reason', () => {
    const r = checkSender(INTERNAL, cfg({ requireDmarc: true }));
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons).toEqual(['DMARC required but trustedAuthservIds is empty']);
  });

  it('only SPF required: DKIM failing does not matter', () => {
    const h = headers(`
Authentication-Results: MX.corp.local 1; spf=pass smtp.mailfrom=sepm@corp.local; dkim=fail
From: sepm@corp.local
`);
    expect(checkSender(h, cfg({ trustedAuthservIds: ['mx.corp.local'], requireSpf: true })).verdict).toBe('trusted');
    expect(checkSender(h, cfg({ trustedAuthservIds: ['mx.corp.local'], requireDkim: true })).reasons).toEqual([
      'DKIM fail (pass required)',
    ]);
  });

  it('a pass must be aligned with the From domain (relaxed, by organisational domain)', () => {
    const ar = (results: string) =>
      headers(`Authentication-Results: mx.corp.local; ${results}\nFrom: SEPM <sepm@alerts.corp.co.uk>`);
    const c = (over: Partial<SenderAuthConfig>) => cfg({ trustedAuthservIds: ['mx.corp.local'], ...over });
    // The attacker's own domain passes SPF and DKIM: that proves nothing about corp.co.uk.
    const spoof = ar('spf=pass smtp.mailfrom=bounce@attacker.example; dkim=pass header.d=attacker.example');
    expect(checkSender(spoof, c({ requireSpf: true, requireDkim: true })).reasons).toEqual([
      'SPF pass for attacker.example, not aligned with the From domain alerts.corp.co.uk',
      'DKIM pass for attacker.example, not aligned with the From domain alerts.corp.co.uk',
    ]);
    // Another registrant under the same public suffix is not aligned either.
    const sibling = ar('dkim=pass header.d=other.co.uk');
    expect(checkSender(sibling, c({ requireDkim: true })).verdict).toBe('untrusted');
    // Relaxed alignment: a parent or sibling subdomain of the same organisation is aligned.
    const ok = ar(
      'spf=pass smtp.mailfrom=corp.co.uk; dkim=pass header.i=@mail.corp.co.uk; dmarc=pass header.from=alerts.corp.co.uk',
    );
    expect(checkSender(ok, c({ requireSpf: true, requireDkim: true, requireDmarc: true })).verdict).toBe('trusted');
    // One aligned signature among several is enough; a result without a domain property is taken as is.
    const multi = ar('dkim=pass header.d=esp.example; dkim=pass header.d=corp.co.uk');
    expect(checkSender(multi, c({ requireDkim: true })).verdict).toBe('trusted');
    expect(checkSender(ar('spf=pass'), c({ requireSpf: true })).verdict).toBe('trusted');
  });

  it('trustedRelays: CIDR, host-name glob via rDNS, Exchange (ip) form, IPv6', () => {
    expect(checkSender(INTERNAL, cfg({ trustedRelays: ['10.1.0.0/16'] })).verdict).toBe('trusted');
    expect(checkSender(INTERNAL, cfg({ trustedRelays: ['SEPM*.corp.local'] })).verdict).toBe('trusted');
    expect(checkSender(INTERNAL, cfg({ trustedRelays: ['10.9.0.0/16'] })).reasons).toEqual([
      'Received: no hop from a trusted relay in 2 Received header(s)',
    ]);
    const exchange = headers(`
Received: from EX01.corp.local (10.0.0.7) by EX02.corp.local (10.0.0.8) with Microsoft SMTP Server id 15.2; Sat, 28 Nov 2026
Received: from SEPM01 (2001:db8::23) by EX01.corp.local (10.0.0.7) with Microsoft SMTP Server; Sat, 28 Nov 2026
From: sepm@corp.local
`);
    expect(checkSender(exchange, cfg({ trustedRelays: ['2001:db8::/64'] })).verdict).toBe('trusted');
  });

  it('an SEPM relay at a public address is accepted when listed', () => {
    const h = headers(`
Received: from relay.partner.example (relay.partner.example [198.51.100.7]) by mx.corp.local (Postfix); Sat, 28 Nov 2026
From: sepm@partner.example
`);
    expect(checkSender(h, cfg({ trustedRelays: ['198.51.100.0/24'] })).verdict).toBe('trusted');
  });

  it.each([
    ['10.0.0.300', 'not an IP address'],
    ['10.0.0.0/40', 'not an IP address'],
    ['fe80::zz', 'not an IP address'],
    ['sepm 01', 'not a host name'],
    ['sepm/01', 'not a host name'],
  ])('validateSenderAuth rejects relay entry %j naming it', (entry, why) => {
    const bad = cfg({ trustedRelays: ['sepm01', entry] });
    let err: unknown;
    try {
      validateSenderAuth(bad);
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toContain(`senderAuth.trustedRelays[1] ${JSON.stringify(entry)}: ${why}`);
    expect(() => checkSender(INTERNAL, bad)).toThrow(/senderAuth.trustedRelays\[1\]/);
  });
});

describe('auto-replies and bounces', () => {
  const kinds: [string, string][] = [
    ['Auto-Submitted: auto-replied', 'auto-reply: Auto-Submitted: auto-replied'],
    ['Auto-Submitted: auto-generated (vacation)', 'auto-reply: Auto-Submitted: auto-generated'],
    ['X-Autoreply: yes', 'auto-reply: x-autoreply header present'],
    ['X-Autorespond: Out of office', 'auto-reply: x-autorespond header present'],
    ['Precedence: auto_reply', 'auto-reply: Precedence: auto_reply'],
    ['Precedence: bulk', 'auto-reply: Precedence: bulk'],
    ['Precedence: junk', 'auto-reply: Precedence: junk'],
    ['Return-Path: <>', 'bounce: empty Return-Path <>'],
    [
      'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="b1"',
      'bounce: multipart/report; report-type=delivery-status',
    ],
  ];
  it.each(kinds)('%j → autoReply and untrusted even when all checks pass', (header, reason) => {
    const r = checkSender([...INTERNAL, ...headers(header)], cfg(FULL));
    expect(r.autoReply).toBe(true);
    expect(r.verdict).toBe('untrusted');
    expect(r.reasons[0]).toBe(reason);
  });

  it('recognises MAILER-DAEMON and postmaster senders', () => {
    for (const from of ['MAILER-DAEMON@mx.corp.local', '"Mail Delivery System" <postmaster@corp.local>']) {
      const r = checkSender(
        headers(`From: ${from}\nSubject: Undelivered Mail`),
        cfg({ allowedSenders: ['*@corp.local'] }),
      );
      expect(r.autoReply).toBe(true);
      expect(r.verdict).toBe('untrusted');
    }
  });

  it('is not fooled by Auto-Submitted: no, Precedence: list or a normal Return-Path', () => {
    const h = headers(
      'Auto-Submitted: no\nPrecedence: list\nReturn-Path: <sepm@corp.local>\nContent-Type: multipart/mixed',
    );
    const r = checkSender([...INTERNAL, ...h], cfg(FULL));
    expect(r.autoReply).toBe(false);
    expect(r.verdict).toBe('trusted');
  });
});

describe('header helpers', () => {
  it('stripComments handles nesting, quotes and escapes', () => {
    expect(stripComments('a (b (c) d) e')).toBe('a e');
    expect(stripComments('"x (not a comment)" y')).toBe('"x (not a comment)" y');
    expect(stripComments('a \\( b')).toBe('a \\( b');
  });
  it('addressOf reads angle, bare and commented forms', () => {
    expect(addressOf('"Doe, J" <J.Doe@Corp.Local>')).toBe('j.doe@corp.local');
    expect(addressOf('sepm@corp.local (SEPM)')).toBe('sepm@corp.local');
    expect(addressOf('=?utf-8?q?S=C3=A9pm?= <sepm@corp.local>')).toBe('sepm@corp.local');
  });
  it('parseAuthResults reads authserv-id, version and several results per method', () => {
    const r = parseAuthResults(' mx.corp.local 1; dkim=fail (bad sig) header.d=a; dkim=pass header.d=b; spf=softfail');
    expect(r.authservId).toBe('mx.corp.local');
    expect(r.results.get('dkim')).toEqual(['fail', 'pass']);
    expect(r.results.get('spf')).toEqual(['softfail']);
    expect(parseAuthResults('mx.corp.local; none').results.size).toBe(0);
  });
  it('parseReceived reads Postfix, Exim, Exchange and LMTP forms', () => {
    expect(parseReceived('from helo.example (rdns.example [192.0.2.1]) by mx')).toEqual({
      ip: '192.0.2.1',
      name: 'rdns.example',
    });
    expect(parseReceived('from rdns.example ([192.0.2.2] helo=fake) by mx with esmtp')).toEqual({
      ip: '192.0.2.2',
      name: 'rdns.example',
    });
    // Exchange writes the client's EHLO name there, not a verified one: the address alone counts.
    expect(parseReceived('from EX01.corp.local (10.0.0.7) by EX02')).toEqual({ ip: '10.0.0.7', name: null });
    expect(parseReceived('from helo (unknown [IPv6:2001:db8::1]) by mx')).toEqual({ ip: '2001:db8::1', name: null });
    expect(parseReceived('from x ([::ffff:10.1.2.3]) by mx').ip).toBe('10.1.2.3');
    expect(parseReceived('by mbox.corp.local (Dovecot) with LMTP id 1')).toEqual({ ip: null, name: null });
  });
});

import { describe, expect, it } from 'vitest';
import { senderAuthSchema } from '../../../src/config/schema.ts';
import { checkSender, parseReceived } from '../../../src/mail/sender-auth.ts';
import { headers } from '../../helpers/header-lines.ts';

/**
 * Received parsing per MTA, with header shapes as Postfix (smtpd.c `from %s (%s [%s])`), Sendmail (cf
 * `$?sfrom $s $.$?_($?s$|from $.$_)`), Exim (default received_header_text over $sender_rcvhost), Exchange and
 * Microsoft 365 write them. The connecting address and name must come from what the receiving MTA wrote, never
 * from the HELO the client sent.
 */

const DATE = 'Sat, 28 Nov 2026 08:00:01 +0000 (UTC)';
const BY_POSTFIX = `by mx.corp.local (Postfix) with ESMTP id 4W8Zk1Q2\n\tfor <soc@corp.local>; ${DATE}`;
const BY_SENDMAIL = `by mx.corp.local (8.15.2/8.15.2) with ESMTP id 4ASK0L1x012345\n\tfor <soc@corp.local>; ${DATE}`;
const BY_EXIM = `by mx.corp.local with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384\n\t(Exim 4.96)\n\t(envelope-from <sepm@corp.local>)\n\tid 1uBJQp-0001s2-E7\n\tfor soc@corp.local; ${DATE}`;
const BY_EXCHANGE = `by EX01.corp.local (10.0.0.7) with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1118.40; ${DATE}`;

/**
 * A mail whose second Received header (written by our MTA mx.corp.local) has the `from` clause `fromClause`; with
 * `forgedBelow`, the sender's own headers below it carry a perfect SEPM hop that must never be reached.
 */
function mail(fromClause: string, by = BY_POSTFIX, forgedBelow = false) {
  const forged = `Received: from sepm01.corp.local (sepm01.corp.local [10.1.2.3]) by relay.example (Postfix); ${DATE}`;
  return headers(
    [
      `Received: from mx.corp.local (mx.corp.local [10.0.0.5])\n\tby mbox.corp.local (Postfix) with LMTP id 1; ${DATE}`,
      `Received: from ${fromClause}\n\t${by}`,
      ...(forgedBelow ? [forged] : []),
      'From: SEPM <sepm@corp.local>',
    ].join('\n'),
  );
}

const byIp = senderAuthSchema.parse({ trustedRelays: ['10.1.2.3'] });
const byName = senderAuthSchema.parse({ trustedRelays: ['sepm01.corp.local'] });
const verdict = (h: ReturnType<typeof mail>, cfg = byIp) => checkSender(h, cfg).verdict;

describe('real relayed mail from 10.1.2.3 is trusted in every MTA format', () => {
  it.each([
    ['Postfix', 'sepm01.corp.local (sepm01.corp.local [10.1.2.3])', BY_POSTFIX, true],
    [
      'Postfix with TLS comments',
      'SEPM01 (sepm01.corp.local [10.1.2.3])\n\t(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n\t(No client certificate requested)',
      BY_POSTFIX.replace('ESMTP', 'ESMTPS'),
      true,
    ],
    ['Postfix, rDNS failed', 'sepm01.corp.local (unknown [10.1.2.3])', BY_POSTFIX, false],
    ['Sendmail', 'SEPM01 (sepm01.corp.local [10.1.2.3])', BY_SENDMAIL, true],
    ['Sendmail, may be forged', 'SEPM01 (sepm01.corp.local [10.1.2.3] (may be forged))', BY_SENDMAIL, false],
    ['Sendmail, no rDNS', 'sepm01.corp.local ([10.1.2.3])', BY_SENDMAIL, false],
    ['Exim, verified name', 'sepm01.corp.local ([10.1.2.3] helo=SEPM01)', BY_EXIM, true],
    ['Exim, verified name with port', 'sepm01.corp.local ([10.1.2.3]:49152)', BY_EXIM, true],
    ['Exim, name = HELO', 'sepm01.corp.local ([10.1.2.3])', BY_EXIM, true],
    ['Exim, no verified name', '[10.1.2.3] (helo=sepm01.corp.local)', BY_EXIM, false],
    ['Exchange', 'sepm01.corp.local (10.1.2.3)', BY_EXCHANGE, false],
  ])('%s: by address; by host name only where the MTA verified it (%s)', (_mta, clause, by, nameCounts) => {
    const h = mail(clause, by);
    expect(verdict(h)).toBe('trusted');
    expect(checkSender(h, byIp).reasons).toEqual([
      expect.stringMatching(/^Received: hop from .*\[10\.1\.2\.3\] matches senderAuth\.trustedRelays: 10\.1\.2\.3$/),
    ]);
    expect(verdict(h, byName)).toBe(nameCounts ? 'trusted' : 'untrusted');
  });

  it('Microsoft 365: the address in parentheses, IPv6', () => {
    const clause = 'NAM12-DM6-obe.outbound.protection.outlook.com (2603:10b6:5:1c0::12)';
    const by =
      'by SA1PR12MB1234.namprd12.prod.outlook.com (2603:10b6:806:2a9::8) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7228.29; ' +
      DATE;
    expect(parseReceived(`from ${clause} ${by}`)).toEqual({ ip: '2603:10b6:5:1c0::12', name: null });
    const m365 = senderAuthSchema.parse({ trustedRelays: ['2603:10b6::/32'] });
    expect(verdict(mail(clause, by), m365)).toBe('trusted');
    expect(verdict(mail(clause, by), senderAuthSchema.parse({ trustedRelays: ['*.outlook.com'] }))).toBe('untrusted');
  });
});

describe('internal hand-offs keep their shapes', () => {
  it.each([
    [
      'amavis re-injection',
      'from mx.corp.local ([127.0.0.1]) by localhost (mx.corp.local [127.0.0.1]) (amavisd-new, port 10024) with ESMTP id x for <soc@corp.local>; Sat, 28 Nov 2026',
      { ip: '127.0.0.1', name: null },
    ],
    [
      'Exchange mapi with a zone id',
      'from EX01.corp.local ([fe80::1c2d:3e4f:5a6b:7c8d%12]) by EX01.corp.local ([fe80::1c2d:3e4f:5a6b:7c8d%12]) with mapi id 15.01.2507.039; Sat, 28 Nov 2026',
      { ip: 'fe80::1c2d:3e4f:5a6b:7c8d', name: null },
    ],
    [
      'Gmail, rDNS with a trailing dot',
      'from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id a1; Sat, 28 Nov 2026',
      { ip: '209.85.220.41', name: 'mail-sor-f41.google.com' },
    ],
    [
      'Postfix local pickup',
      'by mx.corp.local (Postfix, from userid 0) id 4W8; Sat, 28 Nov 2026',
      { ip: null, name: null },
    ],
  ])('%s', (_what, value, expected) => {
    expect(parseReceived(value)).toEqual(expected);
  });
});

describe('forged Received headers are refused (EHLO chosen by an Internet sender at 203.0.113.66)', () => {
  it.each([
    ['EHLO [10.1.2.3], Postfix', '[10.1.2.3] (unknown [203.0.113.66])', BY_POSTFIX],
    ['EHLO [10.1.2.3], Postfix with rDNS', '[10.1.2.3] (host.evil.example [203.0.113.66])', BY_POSTFIX],
    ['EHLO sepm01, Postfix with rDNS', 'sepm01.corp.local (host.evil.example [203.0.113.66])', BY_POSTFIX],
    ['EHLO sepm01, Postfix without rDNS', 'sepm01.corp.local (unknown [203.0.113.66])', BY_POSTFIX],
    ['EHLO sepm01, Exchange', 'sepm01.corp.local (203.0.113.66)', BY_EXCHANGE],
    ['EHLO sepm01, Sendmail', 'sepm01.corp.local ([203.0.113.66])', BY_SENDMAIL],
    ['EHLO [10.1.2.3], Sendmail', '[10.1.2.3] ([203.0.113.66])', BY_SENDMAIL],
    ['EHLO [10.1.2.3], Exim', '[203.0.113.66] (helo=[10.1.2.3])', BY_EXIM],
    ['EHLO with spaces (Postfix joins the words)', '[10.1.2.3] by x (unknown [203.0.113.66])', BY_POSTFIX],
    ['EHLO with spaces, no second by', 'x [10.1.2.3] (unknown [203.0.113.66])', BY_POSTFIX],
    ['EHLO with a comment (old Postfix)', 'x (sepm01.corp.local [10.1.2.3]) (unknown [203.0.113.66])', BY_POSTFIX],
    ['EHLO with an open comment', 'x (sepm01.corp.local [10.1.2.3] (unknown [203.0.113.66])', BY_POSTFIX],
    [
      'EHLO [10.1.2.3] and a fake Exim comment after id',
      '[10.1.2.3]',
      `by mx.corp.local (8.15.2/8.15.2) with ESMTP id 4ASK0L1x (Exim 4.96) for <soc@corp.local>; ${DATE}`,
    ],
  ])('%s', (_what, clause, by) => {
    const h = mail(clause, by, true);
    expect(verdict(h, byIp)).toBe('untrusted');
    expect(verdict(h, byName)).toBe('untrusted');
    const r = parseReceived(`from ${clause} ${by.replace(/\n/g, '')}`);
    expect(r.ip === '10.1.2.3' || r.name === 'sepm01.corp.local').toBe(false);
  });

  it('names the refused hop and never reaches the forged SEPM hop below it', () => {
    const r = checkSender(mail('[10.1.2.3] (unknown [203.0.113.66])', BY_POSTFIX, true), byIp);
    expect(r.reasons).toEqual([
      'Received: hop from public address (no name) [203.0.113.66] is not a trusted relay (hops below it are not believed)',
    ]);
    const odd = checkSender(mail('[10.1.2.3] by x (unknown [203.0.113.66])', BY_POSTFIX, true), byIp);
    expect(odd.reasons).toEqual([
      'Received: hop 2 not attributable to the receiving MTA (more than one by clause); hops below it are not believed',
    ]);
  });

  it('an unattributable hop between internal hops stops the walk (fail closed)', () => {
    const h = headers(
      [
        `Received: from weird-relay by mx.corp.local with SMTP; ${DATE}`,
        `Received: from sepm01.corp.local (sepm01.corp.local [10.1.2.3]) by weird-relay (Postfix); ${DATE}`,
        'From: sepm@corp.local',
      ].join('\n'),
    );
    expect(checkSender(h, byIp).reasons[0]).toMatch(/hop 1 not attributable .*no address written by the receiving MTA/);
    expect(verdict(h)).toBe('untrusted');
  });

  it('hops without a from clause (LMTP, local pickup) are passed through as before', () => {
    const h = headers(
      [
        `Received: by mbox.corp.local (Dovecot) with LMTP id 1; ${DATE}`,
        `Received: from sepm01.corp.local (sepm01.corp.local [10.1.2.3]) by mx.corp.local (Postfix); ${DATE}`,
        'From: sepm@corp.local',
      ].join('\n'),
    );
    expect(verdict(h)).toBe('trusted');
  });
});

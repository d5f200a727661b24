import { describe, expect, it } from 'vitest';
import { analyzeMail } from '../../../src/intake/analyze.ts';
import { decodeMail, MAX_PARTS } from '../../../src/mail/mime.ts';
import { AppError } from '../../../src/shared/errors.ts';
import { fixtureOptions as goldenOptions } from '../../helpers/fixture-config.ts';

/** These mails carry no Received trace: sender authenticity is not what is tested here, so its checks are off. */
const fixtureOptions = () =>
  goldenOptions({ senderAuth: { ...goldenOptions().senderAuth, requireSpf: false, trustedRelays: [] } });

const HEAD = 'From: sepm@sepmdomain.com\r\nTo: soc@corp.example\r\nSubject: Single Risk Event\r\nMIME-Version: 1.0\r\n';
const ALERT =
  'Risk name: Trojan.Gen.NPE\r\nComputer: TEST-ENDPOINT\r\nIP Address: 192.0.2.94\r\nFile path: C:\\x.exe\r\n';

async function decodeError(raw: Buffer, maxRawBytes?: number): Promise<AppError> {
  const err = await decodeMail(raw, maxRawBytes === undefined ? {} : { maxRawBytes }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('hostile mail input', () => {
  it('refuses a 50 MB mail before MIME parsing (MAIL_TOO_LARGE / too_large)', async () => {
    const raw = Buffer.concat([
      Buffer.from(`${HEAD}Content-Type: text/plain\r\n\r\n`),
      Buffer.alloc(50 * 1024 * 1024, 0x41),
    ]);
    expect((await decodeError(raw)).code).toBe('MAIL_TOO_LARGE');
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r).toMatchObject({ accepted: false, rejectReason: 'too_large', notification: null, artifacts: [] });
    expect(r.mail.sizeBytes).toBe(raw.length);
  });

  it('cuts a mail with 2,000 MIME parts to a bounded partial result', async () => {
    const parts = [`--B\r\nContent-Type: text/plain\r\n\r\n${ALERT}`];
    for (let i = 1; i < 2000; i++) parts.push(`--B\r\nContent-Type: application/octet-stream\r\n\r\nAAAA${i}\r\n`);
    const raw = Buffer.from(`${HEAD}Content-Type: multipart/mixed; boundary="B"\r\n\r\n${parts.join('')}--B--\r\n`);
    const d = await decodeMail(raw);
    expect(d.cut).toBe(true);
    expect(d.text).toContain('Risk name: Trojan.Gen.NPE');
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r.accepted).toBe(true);
    expect(r.notification?.events[0]?.computer).toBe('TEST-ENDPOINT');
    expect(MAX_PARTS).toBeLessThan(1000);
  });

  it('survives deeply nested multiparts (5,000 levels)', async () => {
    let open = '';
    let close = '';
    for (let i = 0; i < 5000; i++) {
      open += `Content-Type: ${i % 2 ? 'Multipart/Mixed' : 'multipart/mixed'}; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
      close = `\r\n--b${i}--${close}`;
    }
    const raw = Buffer.from(`${HEAD}${open}Content-Type: text/plain\r\n\r\n${ALERT}${close}\r\n`);
    const d = await decodeMail(raw);
    expect(d.cut).toBe(true);
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r.accepted).toBe(false);
    expect(r.rejectReason).toBe('no_events');
    // 30 levels: below the part cap, stopped by the multipart cap (mixed-case media types count too).
    const shallow = Buffer.from(
      `${HEAD}${open.split('\r\n\r\n--b30\r\n')[0]}\r\n\r\n--b30\r\nContent-Type: text/plain\r\n\r\nx`,
    );
    expect((await decodeMail(shallow)).cut).toBe(true);
  });

  it('decodes what it can from broken base64', async () => {
    const good = Buffer.from(ALERT).toString('base64');
    const raw = Buffer.from(
      `${HEAD}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${good}\r\n!!!*** not base64 ***===\r\n@@\r\n`,
    );
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r.notification?.events[0]).toMatchObject({ riskName: 'Trojan.Gen.NPE', computer: 'TEST-ENDPOINT' });
  });

  it('reads a part in an unknown charset instead of failing', async () => {
    const raw = Buffer.from(`${HEAD}Content-Type: text/plain; charset=x-no-such-charset-42\r\n\r\n${ALERT}`);
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r.notification?.events[0]?.riskName).toBe('Trojan.Gen.NPE');
    expect(r.accepted).toBe(true);
  });

  it('refuses a 1 MB header with a typed error (MAIL_UNREADABLE / unreadable)', async () => {
    const raw = Buffer.from(`${HEAD}X-Padding: ${'a'.repeat(1024 * 1024)}\r\nContent-Type: text/plain\r\n\r\n${ALERT}`);
    expect((await decodeError(raw)).code).toBe('MAIL_UNREADABLE');
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r).toMatchObject({ accepted: false, rejectReason: 'unreadable', notification: null });
  });

  it('handles empty input, binary noise and a header-only message without throwing', async () => {
    const noise = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 256));
    for (const raw of [Buffer.alloc(0), noise, Buffer.from(HEAD)]) {
      const r = await analyzeMail(raw, fixtureOptions());
      expect(r.accepted).toBe(false);
      expect(['unreadable', 'sender_not_allowed', 'not_risk', 'no_events']).toContain(r.rejectReason);
    }
  });

  it('ignores an unreadable attached message/rfc822 and keeps the outer mail', async () => {
    const inner = `X-Big: ${'b'.repeat(400 * 1024)}\r\nSubject: inner\r\n\r\nhello`;
    const raw = Buffer.from(
      `${HEAD}Content-Type: multipart/mixed; boundary="M"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\n${ALERT}\r\n--M\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--M--\r\n`,
    );
    const d = await decodeMail(raw);
    expect(d.forwarded).toBe(true);
    expect(d.forwardedInner).toBeUndefined();
    expect(d.text).toContain('Risk name');
  });

  it('handles HTML full of unclosed tags without super-linear regex work', async () => {
    const junk = '<script'.repeat(20_000) + '<a href="x'.repeat(20_000) + '<!--'.repeat(5_000);
    const raw = Buffer.from(`${HEAD}Content-Type: text/html\r\n\r\n<p>${ALERT.replace(/\r\n/g, '<br>')}</p>${junk}`);
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r.accepted).toBe(true);
    expect(r.notification?.events[0]?.computer).toBe('TEST-ENDPOINT');
    const opener = Buffer.from(`${HEAD}Content-Type: text/html\r\n\r\n<title>${'<a '.repeat(30_000)}<p>${ALERT}</p>`);
    expect((await analyzeMail(opener, fixtureOptions())).rejectReason).toBe('no_events');
  });

  it('falls back to the HTML part when the text/plain part is a stub', async () => {
    const raw = Buffer.from(
      `${HEAD}Content-Type: multipart/alternative; boundary="A"\r\n\r\n--A\r\nContent-Type: text/plain\r\n\r\nThis message requires an HTML viewer.\r\n--A\r\nContent-Type: text/html\r\n\r\n<html><body>${ALERT.replace(/\r\n/g, '<br>')}</body></html>\r\n--A--\r\n`,
    );
    const r = await analyzeMail(raw, fixtureOptions());
    expect(r.accepted).toBe(true);
    expect(r.notification?.events[0]).toMatchObject({ computer: 'TEST-ENDPOINT', filePath: 'C:\\x.exe' });
  });

  it('honours a smaller configured cap', async () => {
    const raw = Buffer.from(`${HEAD}Content-Type: text/plain\r\n\r\n${ALERT}${'x'.repeat(4096)}`);
    expect((await decodeError(raw, 2048)).details).toMatchObject({ maxRawBytes: 2048 });
  });
});

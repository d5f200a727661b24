import { describe, expect, it } from 'vitest';
import { imapSourceSchema } from '../../../../src/config/schema.ts';
import { imapClientOptions } from '../../../../src/ingest/imap/client.ts';

const base = { name: 'box', host: 'mail.corp.example', user: 'soc@corp.example' };
const read = (p: string): string => `PEM from ${p}`;

describe('IMAP client options', () => {
  it('uses implicit TLS with certificate verification and the CA bundle by default', () => {
    const o = imapClientOptions(imapSourceSchema.parse({ ...base, password: 'pw', caBundle: '/etc/ca.pem' }), read);
    expect(o).toMatchObject({
      host: 'mail.corp.example',
      port: 993,
      secure: true,
      auth: { user: 'soc@corp.example', pass: 'pw' },
    });
    expect(o.tls).toEqual({ ca: 'PEM from /etc/ca.pem', servername: 'mail.corp.example' });
    expect(JSON.stringify(o.tls)).not.toContain('rejectUnauthorized');
    expect(o.disableAutoIdle).toBe(true);
  });

  it('requires STARTTLS when secure is false and requireTls is on (the default)', () => {
    expect(
      imapClientOptions(imapSourceSchema.parse({ ...base, port: 143, secure: false, password: 'pw' }), read).doSTARTTLS,
    ).toBe(true);
    const lax = imapClientOptions(
      // requireTls: false is accepted for a loopback server only (config-tls.test.ts).
      imapSourceSchema.parse({ ...base, host: '127.0.0.1', secure: false, requireTls: false, password: 'pw' }),
      read,
    );
    expect(lax.doSTARTTLS).toBeUndefined();
  });

  it('logs in with XOAUTH2 when an access token is configured', () => {
    const o = imapClientOptions(imapSourceSchema.parse({ ...base, accessToken: 'tok' }), read);
    expect(o.auth).toEqual({ user: 'soc@corp.example', accessToken: 'tok' });
  });

  it('refuses a source without credentials or with an unreadable CA bundle, naming the source', () => {
    expect(() => imapClientOptions(imapSourceSchema.parse(base), read)).toThrow(
      /imap source box: set password or accessToken/,
    );
    const failing = (): string => {
      throw new Error('ENOENT');
    };
    expect(() =>
      imapClientOptions(imapSourceSchema.parse({ ...base, password: 'pw', caBundle: '/nope' }), failing),
    ).toThrow(/cannot read caBundle \/nope/);
  });
});

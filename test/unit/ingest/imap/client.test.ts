import { describe, expect, it } from 'vitest';
import { imapSourceSchema } from '../../../../src/config/schema.ts';
import { imapClientOptions, toImapError } from '../../../../src/ingest/imap/client.ts';

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
      /imap source box: set password, accessToken or oauth2/,
    );
    const failing = (): string => {
      throw new Error('ENOENT');
    };
    expect(() =>
      imapClientOptions(imapSourceSchema.parse({ ...base, password: 'pw', caBundle: '/nope' }), failing),
    ).toThrow(/cannot read caBundle \/nope/);
  });
});

describe('IMAP errors', () => {
  const failed = (fields: Record<string, unknown>): Error => Object.assign(new Error('Command failed'), fields);

  it('carries the server\'s answer, not only imapflow\'s "Command failed"', () => {
    const e = toImapError(
      failed({
        responseStatus: 'NO',
        responseText: 'Mailbox already exists',
        executedCommand: 'A7 CREATE "INBOX.sepm-intake-quarantine"',
      }),
      'alerts',
    );
    expect(e.code).toBe('IMAP_CONNECT_FAILED');
    expect(e.message).toBe('imap source alerts: Command failed: CREATE → NO Mailbox already exists');
  });

  it('names the response code, and never the arguments of the command (LOGIN carries the password)', () => {
    const e = toImapError(
      failed({
        authenticationFailed: true,
        responseStatus: 'NO',
        serverResponseCode: 'AUTHENTICATIONFAILED',
        responseText: 'Invalid credentials',
        executedCommand: 'A1 LOGIN "soc" "s3cret-pw"',
      }),
      'alerts',
    );
    expect(e.code).toBe('IMAP_AUTH_FAILED');
    expect(e.message).toBe(
      'imap source alerts: authentication failed: LOGIN → NO [AUTHENTICATIONFAILED] Invalid credentials',
    );
    expect(e.message).not.toContain('s3cret');
  });

  it('keeps transport errors as they were', () => {
    const e = toImapError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:993'), { code: 'ECONNREFUSED' }),
      'b',
    );
    expect(e.message).toBe('imap source b: connect ECONNREFUSED 127.0.0.1:993 (ECONNREFUSED)');
  });
});

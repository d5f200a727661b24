import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { plainTextWarnings } from '../../../src/config/tls-policy.ts';
import { startService } from '../../../src/main.ts';
import { ErrorCodes } from '../../../src/shared/errors.ts';
import { createLogger } from '../../../src/shared/logger.ts';

/** No silent way to turn TLS off (issue 10 item 10): plain text only to loopback, verification never off. */

const yaml = (text: string) => () => loadConfig({ file: 'c.yaml', env: {}, readText: () => text });
const invalid = (key: RegExp) =>
  expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID, message: expect.stringMatching(key) });

const imap = (host: string, extra: string) =>
  `mail:\n  imap:\n    - name: box\n      host: "${host}"\n      user: u\n      password: p\n${extra}`;

describe('sepm.protocol http', () => {
  it.each(['sepm.corp.example', '10.0.0.5', '127.0.0.1.evil.example', 'localhost.evil.example', '::ffff:10.0.0.1'])(
    'is refused for the non-loopback host %s',
    (host) => {
      expect(yaml(`sepm:\n  host: "${host}"\n  protocol: http\n`)).toThrow(
        invalid(/sepm\.protocol: http is accepted only for a loopback host/),
      );
    },
  );
  it.each(['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]'])('is accepted for the loopback host %s', (host) => {
    const c = yaml(`sepm:\n  host: "${host}"\n  protocol: http\n`)();
    expect(c.sepm.protocol).toBe('http');
    expect(plainTextWarnings(c)).toEqual([expect.stringMatching(/sepm\.protocol is http/)]);
  });
  it('https to any host stays fine and warns about nothing', () => {
    expect(plainTextWarnings(yaml('sepm:\n  host: sepm.corp.example\n')())).toEqual([]);
  });
});

describe('soar.ibm.url', () => {
  const soar = (url: string) => `soar:\n  kind: ibm\n  ibm:\n    url: "${url}"\n    org: SOC\n`;
  it.each(['http://soar.corp.example', 'http://127.0.0.1:8443', 'ftp://soar.corp.example'])('refuses %s', (url) => {
    expect(yaml(soar(url))).toThrow(invalid(/soar\.ibm\.url: must be an https:\/\/ URL/));
  });
  it('accepts an https URL', () => {
    expect(yaml(soar('https://soar.corp.example'))().soar.ibm?.url).toBe('https://soar.corp.example');
  });
});

describe('mail.imap requireTls: false', () => {
  it('is refused for a remote server', () => {
    expect(yaml(imap('imap.corp.example', '      secure: false\n      requireTls: false\n'))).toThrow(
      invalid(/mail\.imap\.0\.requireTls: false is accepted only for a loopback host/),
    );
  });
  it('is accepted for a loopback server, with a warning logged at start', () => {
    const c = yaml(imap('127.0.0.1', '      port: 143\n      secure: false\n      requireTls: false\n'))();
    expect(plainTextWarnings(c)).toEqual([expect.stringMatching(/mail\.imap box: requireTls is false/)]);
  });
  it('implicit TLS (secure) or STARTTLS (requireTls) to any server is fine', () => {
    expect(() => yaml(imap('imap.corp.example', '      secure: false\n'))()).not.toThrow();
    expect(() => yaml(imap('imap.corp.example', '      requireTls: false\n'))()).not.toThrow();
  });
});

describe('NODE_TLS_REJECT_UNAUTHORIZED', () => {
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
  });

  it.each(['0', 'false', ''])('=%j in the environment: start is refused with a clear error', async (value) => {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = value;
    // An unreachable Redis: a start that ignored the variable fails differently (REDIS_UNREACHABLE).
    const config = loadConfig({ env: { SEPM_INTAKE_REDIS_URL: 'redis://127.0.0.1:1' } });
    await expect(
      startService({ config, roles: ['watcher'], logger: createLogger({ level: 'silent' }) }),
    ).rejects.toThrow(invalid(/NODE_TLS_REJECT_UNAUTHORIZED=.* is set: it would turn off certificate verification/));
  });
});

import { describe, expect, it } from 'vitest';
import { domainMatcher, hostMatcher } from '../../../src/whitelist/index.ts';
import type { AppError } from '../../../src/shared/errors.ts';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect((err as AppError).code).toBe('WHITELIST_ENTRY_INVALID');
    return (err as AppError).message;
  }
  throw new Error('expected an error');
}

describe('domainMatcher', () => {
  const m = domainMatcher(['*.sepmdomain.com', 'example.com', '*.corp.local', 'Update.Example.ORG.'], 'domains');

  it('matches subdomains at any depth for a wildcard, but not the bare domain', () => {
    expect(m('ws01.sepmdomain.com')).toBe('domains: *.sepmdomain.com');
    expect(m('a.b.c.SEPMDOMAIN.COM.')).toBe('domains: *.sepmdomain.com');
    expect(m('sepmdomain.com')).toBeNull();
    expect(m('evilsepmdomain.com')).toBeNull();
    expect(m('sepmdomain.com.evil.net')).toBeNull();
  });

  it('matches exact domains only exactly, case-insensitively, trailing dot ignored', () => {
    expect(m('EXAMPLE.com')).toBe('domains: example.com');
    expect(m('www.example.com')).toBeNull();
    expect(m('update.example.org')).toBe('domains: Update.Example.ORG.');
  });

  it('allows non-PSL internal TLDs', () => {
    expect(m('dc01.corp.local')).toBe('domains: *.corp.local');
  });

  it.each([
    ['*.com', 'public suffix'],
    ['*.co.uk', 'public suffix'],
    ['*.github.io', 'public suffix'],
    ['co.uk', 'public suffix'],
    ['a.*.example.com', 'leading'],
    ['ws*.example.com', 'leading'],
    ['exa mple.com', 'not a domain'],
    ['10.0.0.1', 'ips list'],
    ['', 'not a domain'],
  ])('rejects %j', (entry, why) => {
    const msg = message(() => domainMatcher(['example.com', entry], 'whitelist.domains'));
    expect(msg).toContain(`whitelist.domains[1] ${JSON.stringify(entry)}`);
    expect(msg).toContain(why);
  });

  it('accepts a registrable domain below a private suffix', () => {
    expect(domainMatcher(['*.myorg.github.io'], 'd')('x.myorg.github.io')).toBe('d: *.myorg.github.io');
  });
});

describe('hostMatcher', () => {
  const m = hostMatcher(['DC01', 'sepm01.corp.local', 'web_02'], 'hosts');

  it('matches exact names case-insensitively', () => {
    expect(m('dc01')).toBe('hosts: DC01');
    expect(m('SEPM01.CORP.LOCAL')).toBe('hosts: sepm01.corp.local');
    expect(m('WEB_02')).toBe('hosts: web_02');
    expect(m('dc011')).toBeNull();
  });

  it('lets a short entry match the FQDN of that host, but not the reverse', () => {
    expect(m('dc01.corp.local')).toBe('hosts: DC01');
    expect(m('DC01.other.example.')).toBe('hosts: DC01');
    expect(m('sepm01')).toBeNull();
    expect(m('sepm01.other.local')).toBeNull();
  });

  it('rejects bad entries', () => {
    expect(message(() => hostMatcher(['ok', 'bad host'], 'whitelist.hosts'))).toContain(
      'whitelist.hosts[1] "bad host"',
    );
    expect(message(() => hostMatcher(['*.corp.local'], 'whitelist.hosts'))).toContain('not a host name');
    expect(message(() => hostMatcher(['10.1.2.3'], 'whitelist.hosts'))).toContain('ips list');
  });
});

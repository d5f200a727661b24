import { describe, expect, it } from 'vitest';
import { ipMatcher, parseIp } from '../../../src/whitelist/index.ts';
import type { AppError } from '../../../src/shared/errors.ts';

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected an error');
}

describe('parseIp', () => {
  it('normalises IPv4-mapped IPv6 to IPv4 and strips brackets', () => {
    expect(parseIp('::ffff:10.1.2.3')?.toString()).toBe('10.1.2.3');
    expect(parseIp('[2001:db8::1]')?.toString()).toBe('2001:db8::1');
  });
  it('rejects non-standard IPv4 forms and non-addresses', () => {
    for (const v of ['10.1', '0x0a.0.0.1', '010.0.0.1', '10.0.0.256', 'host', '', '1.2.3.4.5', '1.2.3.4x']) {
      expect(parseIp(v)).toBeNull();
    }
    expect(parseIp(' 10.0.0.1 ')?.toString()).toBe('10.0.0.1');
    expect(parseIp('fe80::1%eth0')?.kind()).toBe('ipv6');
  });
});

describe('ipMatcher', () => {
  const m = ipMatcher(
    [
      '10.0.0.0/8',
      '192.168.1.10',
      '172.16.0.1-172.16.0.20',
      '2001:db8::/32',
      '::ffff:192.0.2.0/120',
      'fe80::1-fe80::ff',
    ],
    'ips',
  );

  it('matches IPv4 CIDRs, single addresses and ranges inclusively', () => {
    expect(m('10.255.255.255')).toBe('ips: 10.0.0.0/8');
    expect(m('11.0.0.0')).toBeNull();
    expect(m('192.168.1.10')).toBe('ips: 192.168.1.10');
    expect(m('192.168.1.11')).toBeNull();
    expect(m('172.16.0.1')).toBe('ips: 172.16.0.1-172.16.0.20');
    expect(m('172.16.0.20')).toBe('ips: 172.16.0.1-172.16.0.20');
    expect(m('172.16.0.21')).toBeNull();
    expect(m('172.16.0.0')).toBeNull();
  });

  it('matches IPv6 CIDRs and ranges, whatever the notation', () => {
    expect(m('2001:DB8:0:0:0:0:0:1')).toBe('ips: 2001:db8::/32');
    expect(m('2001:db9::1')).toBeNull();
    expect(m('fe80::80')).toBe('ips: fe80::1-fe80::ff');
    expect(m('fe80::100')).toBeNull();
  });

  it('normalises IPv4-mapped IPv6 on both sides', () => {
    expect(m('::ffff:10.9.8.7')).toBe('ips: 10.0.0.0/8');
    expect(m('192.0.2.77')).toBe('ips: ::ffff:192.0.2.0/120');
    expect(m('192.0.3.1')).toBeNull();
  });

  it('never matches across families and never matches non-addresses', () => {
    const v6only = ipMatcher(['::/0'], 'ips');
    expect(v6only('10.0.0.1')).toBeNull();
    expect(v6only('::1')).toBe('ips: ::/0');
    expect(m('not-an-ip')).toBeNull();
    expect(m('10.0.0.300')).toBeNull();
  });

  it('handles /0, /32 and host bits set in a CIDR', () => {
    expect(ipMatcher(['0.0.0.0/0'], 'ips')('203.0.113.5')).toBe('ips: 0.0.0.0/0');
    expect(ipMatcher(['10.1.2.3/32'], 'ips')('10.1.2.4')).toBeNull();
    expect(ipMatcher(['10.1.2.3/24'], 'ips')('10.1.2.200')).toBe('ips: 10.1.2.3/24');
    expect(ipMatcher(['10.1.2.0/23'], 'ips')('10.1.3.9')).toBe('ips: 10.1.2.0/23');
    expect(ipMatcher(['10.1.2.0/23'], 'ips')('10.1.4.0')).toBeNull();
  });

  it.each([
    ['10.0.0.300/8', 'not an IP address'],
    ['10.0.0.0/33', 'too long'],
    ['2001:db8::/129', 'too long'],
    ['::ffff:10.0.0.0/64', 'IPv4-mapped'],
    ['10.0.0.9-10.0.0.1', 'starts after it ends'],
    ['10.0.0.1-::1', 'both ends'],
    ['10.1', 'not an IPv4/IPv6'],
    ['example.com', 'not an IPv4/IPv6'],
    ['', 'empty'],
  ])('rejects %j naming the list, index and entry', (entry, why) => {
    const err = thrown(() => ipMatcher(['10.0.0.0/8', '1.2.3.4', '::1', entry], 'whitelist.ips'));
    expect(err.code).toBe('WHITELIST_ENTRY_INVALID');
    expect(err.message).toContain(`whitelist.ips[3] ${JSON.stringify(entry)}`);
    expect(err.message).toContain(why);
  });
});

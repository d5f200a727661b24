import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../../src/whitelist/index.ts';

describe('globMatcher plain (risk names)', () => {
  const m = globMatcher(['EICAR*', 'Trojan.Gen.?', 'W32.Sality (v*)'], 'riskNames');
  it('matches whole values with * and ?, case-insensitively, regex characters literal', () => {
    expect(m('eicar test string')).toBe('riskNames: EICAR*');
    expect(m('Trojan.Gen.2')).toBe('riskNames: Trojan.Gen.?');
    expect(m('Trojan.Gen.22')).toBeNull();
    expect(m('TrojanXGenX2')).toBeNull();
    expect(m('W32.Sality (v4)')).toBe('riskNames: W32.Sality (v*)');
    expect(m('Not EICAR')).toBeNull();
  });
  it('rejects empty patterns', () => {
    expect(() => globMatcher(['ok', ' '], 'whitelist.riskNames')).toThrow(/whitelist.riskNames\[1\]/);
  });
});

describe('globMatcher path', () => {
  const m = globMatcher(
    ['C:\\Windows\\Temp\\*.tmp', 'C:/Program Files/**/update.exe', 'D:\\Scans\\**', '*.iso', '/opt/app/?.log'],
    'paths',
    'path',
  );
  it('treats \\ and / alike and ignores case', () => {
    expect(m('c:/windows/temp/a.TMP')).toBe('paths: C:\\Windows\\Temp\\*.tmp');
    expect(m('C:\\Program Files\\Vendor\\update.exe')).toBe('paths: C:/Program Files/**/update.exe');
  });
  it('keeps * inside one segment and lets ** span segments (also zero)', () => {
    expect(m('C:\\Windows\\Temp\\sub\\a.tmp')).toBeNull();
    expect(m('C:\\Program Files\\update.exe')).toBe('paths: C:/Program Files/**/update.exe');
    expect(m('C:\\Program Files\\A\\B\\C\\update.exe')).toBe('paths: C:/Program Files/**/update.exe');
    expect(m('D:\\Scans\\x\\y\\z.bin')).toBe('paths: D:\\Scans\\**');
    expect(m('D:\\Scansx\\z.bin')).toBeNull();
    expect(m('/opt/app/a.log')).toBe('paths: /opt/app/?.log');
    expect(m('/opt/app/ab.log')).toBeNull();
  });
  it('matches a pattern without separators against the file name in any folder', () => {
    expect(m('E:\\images\\deep\\win.iso')).toBe('paths: *.iso');
    expect(m('win.iso')).toBe('paths: *.iso');
    expect(m('E:\\win.iso.exe')).toBeNull();
  });
  it('rejects runs of three stars', () => {
    expect(() => globMatcher(['C:\\***\\x'], 'whitelist.paths', 'path')).toThrow(/whitelist.paths\[0\]/);
  });
});

describe('globMatcher user and host', () => {
  it('tries a bare pattern on the account name of DOMAIN\\user and user@domain', () => {
    const m = globMatcher(['svc_*', 'CORP\\admin'], 'users', 'user');
    expect(m('CORP\\svc_backup')).toBe('users: svc_*');
    expect(m('svc_sql@corp.local')).toBe('users: svc_*');
    expect(m('corp\\ADMIN')).toBe('users: CORP\\admin');
    expect(m('OTHER\\admin')).toBeNull();
    expect(m('admin')).toBeNull();
  });
  it('tries a dotless host glob on the short name of an FQDN', () => {
    const m = globMatcher(['dc*', 'sepm.corp.local'], 'hosts', 'host');
    expect(m('DC01.corp.local')).toBe('hosts: dc*');
    expect(m('dc02')).toBe('hosts: dc*');
    expect(m('sepm')).toBeNull();
    expect(m('web01.dc.local')).toBeNull();
  });
});

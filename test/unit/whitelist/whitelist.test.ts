import { describe, expect, it } from 'vitest';
import { applyWhitelist, compileWhitelist } from '../../../src/whitelist/index.ts';
import { whitelistSchema } from '../../../src/config/schema.ts';
import { AppError } from '../../../src/shared/errors.ts';
import type { Artifact, ArtifactType } from '../../../src/mail/types.ts';

const a = (type: ArtifactType, value: string): Artifact => ({ type, value });

const wl = compileWhitelist(
  whitelistSchema.parse({
    ips: ['10.0.0.0/8', '2001:db8::/32'],
    domains: ['*.sepmdomain.com'],
    hosts: ['scanner01'],
    riskNames: ['EICAR*'],
    paths: ['C:\\Quarantine\\**', '*.tmp'],
    users: ['svc_*'],
  }),
);

describe('applyWhitelist', () => {
  it('drops each artifact type by its own lists and names the rule', () => {
    const input = [
      a('IP Address', '10.20.30.40'),
      a('IP Address', '::ffff:10.1.1.1'),
      a('IP Address', '2001:db8::9'),
      a('DNS Name', 'ws9.sepmdomain.com'),
      a('System Name', 'SCANNER01'),
      a('DNS Name', 'scanner01.sepmdomain.com'),
      a('Malware Family/Variant', 'EICAR Test String'),
      a('File Path', 'c:/quarantine/x/1.bin'),
      a('File Name', 'setup.tmp'),
      a('User Account', 'CORP\\svc_av'),
    ];
    const { kept, dropped } = applyWhitelist(input, wl);
    expect(kept).toEqual([]);
    expect(dropped.map((d) => d.rule)).toEqual([
      'ips: 10.0.0.0/8',
      'ips: 10.0.0.0/8',
      'ips: 2001:db8::/32',
      'domains: *.sepmdomain.com',
      'hosts: scanner01',
      'hosts: scanner01',
      'riskNames: EICAR*',
      'paths: C:\\Quarantine\\**',
      'paths: *.tmp',
      'users: svc_*',
    ]);
    expect(dropped[0]).toEqual({ type: 'IP Address', value: '10.20.30.40', rule: 'ips: 10.0.0.0/8' });
  });

  it('keeps artifacts no list matches, keeps hashes, keeps values invalid for their type, keeps order', () => {
    const input = [
      a('IP Address', '192.0.2.1'),
      a('IP Address', 'not-an-ip'),
      a('System Name', 'WS01'),
      a('DNS Name', 'sepmdomain.com'),
      a('Malware MD5 Hash', '44d88612fea8a8f36de82e1278abb02f'),
      a('Malware SHA-256 Hash', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'),
      a('Malware Family/Variant', 'Trojan.Gen'),
      a('File Path', 'C:\\Users\\a\\evil.exe'),
      a('User Account', 'CORP\\alice'),
    ];
    const { kept, dropped } = applyWhitelist(input, wl);
    expect(dropped).toEqual([]);
    expect(kept).toEqual(input);
  });

  it('does not apply a list to another artifact type', () => {
    // An IP-looking System Name is not checked against ips; a path-looking risk name not against paths.
    const { kept } = applyWhitelist([a('System Name', '10.1.2.3'), a('Malware Family/Variant', 'x.tmp')], wl);
    expect(kept).toHaveLength(2);
  });

  it('an empty whitelist drops nothing', () => {
    const empty = compileWhitelist(whitelistSchema.parse({}));
    const input = [a('IP Address', '10.0.0.1'), a('File Path', 'C:\\x')];
    expect(applyWhitelist(input, empty)).toEqual({ kept: input, dropped: [] });
    expect(empty.sizes).toEqual({ ips: 0, domains: 0, hosts: 0, riskNames: 0, paths: 0, users: 0 });
  });
});

describe('compileWhitelist validation', () => {
  it.each([
    [{ ips: ['10.0.0.0/8', '1.1.1.1', '2.2.2.2', '10.0.0.300/8'] }, 'whitelist.ips[3] "10.0.0.300/8"'],
    [{ domains: ['*.com'] }, 'whitelist.domains[0] "*.com"'],
    [{ hosts: ['ok', 'no/slash'] }, 'whitelist.hosts[1] "no/slash"'],
    [{ riskNames: [''] }, 'whitelist.riskNames[0] ""'],
    [{ paths: ['C:\\***'] }, 'whitelist.paths[0] "C:\\\\***"'],
    [{ users: ['a', '  '] }, 'whitelist.users[1] "  "'],
  ])('rejects %j at load naming the entry', (lists, named) => {
    let err: unknown;
    try {
      compileWhitelist(whitelistSchema.parse(lists));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('WHITELIST_ENTRY_INVALID');
    expect((err as AppError).message).toContain(named);
  });
});

import { describe, expect, it } from 'vitest';
import { baseName, eventsToArtifacts } from '../../../src/mail/artifacts.ts';
import { splitInlineForward } from '../../../src/mail/forward.ts';
import type { RiskEvent, SepNotification } from '../../../src/mail/types.ts';

const notification = (events: RiskEvent[]): SepNotification => ({
  type: 'risk_outbreak',
  isRisk: true,
  subject: 's',
  template: 't',
  events,
  truncated: false,
  forwarded: false,
});

describe('eventsToArtifacts', () => {
  it('maps every field to its IBM SOAR artifact type', () => {
    const arts = eventsToArtifacts(
      notification([
        {
          ips: ['192.0.2.1'],
          computer: 'WS-1',
          filePath: 'C:\\Temp\\evil.exe',
          user: 'jdoe',
          riskName: 'Trojan.X',
          hash: { type: 'SHA-256', value: 'a'.repeat(64) },
        },
        { ips: [], computer: 'host.corp.example', hash: { type: 'MD5', value: 'b'.repeat(32) } },
        {
          ips: [],
          attackerIp: '2001:db8::66',
          targetComputer: 'SRV-2',
          hash: { type: 'SHA-1', value: 'c'.repeat(40) },
        },
      ]),
    );
    expect(arts.map((a) => [a.type, a.value])).toEqual([
      ['System Name', 'WS-1'],
      ['IP Address', '192.0.2.1'],
      ['File Path', 'C:\\Temp\\evil.exe'],
      ['File Name', 'evil.exe'],
      ['User Account', 'jdoe'],
      ['Malware Family/Variant', 'Trojan.X'],
      ['Malware SHA-256 Hash', 'a'.repeat(64)],
      ['DNS Name', 'host.corp.example'],
      ['Malware MD5 Hash', 'b'.repeat(32)],
      ['System Name', 'SRV-2'],
      ['IP Address', '2001:db8::66'],
      ['Malware SHA-1 Hash', 'c'.repeat(40)],
    ]);
    expect(arts.every((a) => typeof a.description === 'string' && a.description.length > 0)).toBe(true);
  });

  it('de-duplicates per mail case-insensitively and skips placeholders', () => {
    const ev = (computer: string, user: string): RiskEvent => ({ ips: ['192.0.2.1'], computer, user, riskName: 'R' });
    const arts = eventsToArtifacts(notification([ev('WS-1', 'none'), ev('ws-1', 'N/A'), ev('WS-2', '*')]));
    expect(arts.map((a) => `${a.type}=${a.value}`)).toEqual([
      'System Name=WS-1',
      'IP Address=192.0.2.1',
      'Malware Family/Variant=R',
      'System Name=WS-2',
    ]);
  });

  it('takes the basename for \\ and / paths and emits only a File Name for a bare name', () => {
    expect(baseName('C:\\a\\b\\c.exe')).toBe('c.exe');
    expect(baseName('/home/u/miner.sh')).toBe('miner.sh');
    expect(baseName('e:/x\\y/z.dll')).toBe('z.dll');
    expect(baseName('dir\\')).toBe('dir\\');
    const arts = eventsToArtifacts(notification([{ ips: [], filePath: 'autorun.inf', riskName: 'W32' }]));
    expect(arts.filter((a) => a.type === 'File Path')).toEqual([]);
    expect(arts).toContainEqual(expect.objectContaining({ type: 'File Name', value: 'autorun.inf' }));
  });

  it('turns a computer given as an IP address into an IP Address artifact', () => {
    const arts = eventsToArtifacts(notification([{ ips: [], computer: '192.0.2.50', riskName: 'R' }]));
    expect(arts[0]).toMatchObject({ type: 'IP Address', value: '192.0.2.50' });
  });
});

describe('splitInlineForward', () => {
  it('finds the inner subject and body of Gmail and Outlook forwards', () => {
    const gmail =
      'FYI\n\n---------- Forwarded message ---------\nFrom: SEPM <s@x>\nSubject: Single Risk Event\nTo: a@b\n\nRisk name: X';
    expect(splitInlineForward(gmail)).toEqual({ subject: 'Single Risk Event', body: 'Risk name: X' });
    const outlook =
      'see below\r\n-----Original Message-----\r\nFrom: s@x\r\nSent: today\r\nSubject: Risk outbreak\r\n\r\n> Risk name: Y';
    expect(splitInlineForward(outlook)).toEqual({ subject: 'Risk outbreak', body: 'Risk name: Y' });
    expect(splitInlineForward('Risk name: Z\nno forward here')).toBeUndefined();
  });
});

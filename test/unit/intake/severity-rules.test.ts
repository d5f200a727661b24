import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { severitySchema } from '../../../src/config/severity.ts';
import { mapToIncidents } from '../../../src/intake/mapper.ts';
import { compileSeverityRules } from '../../../src/intake/severity-rules.ts';
import {
  NotificationTypes,
  type NotificationType,
  type RiskEvent,
  type SepNotification,
} from '../../../src/mail/types.ts';
import { openEmbeddedStore } from '../../../src/soar/embedded/store.ts';
import { ErrorCodes } from '../../../src/shared/errors.ts';

const mail = { messageId: '<m1@sepm.example>', subject: 'Risk outbreak', sizeBytes: 1000 };

function ev(computer: string, over: Partial<RiskEvent> = {}): RiskEvent {
  return {
    riskName: 'Trojan.Gen.2',
    filePath: `C:\\Users\\u\\${computer}.exe`,
    computer,
    ips: ['192.0.2.10'],
    group: 'My Company\\Workstations',
    action: 'Quarantined',
    actionCode: 1,
    ...over,
  };
}

function n(events: RiskEvent[], type: NotificationType = NotificationTypes.riskOutbreak): SepNotification {
  return { type, isRisk: true, subject: 's', template: 't', events, truncated: false, forwarded: false };
}

const rules = (list: unknown[], isProtected?: (e: RiskEvent) => string | null) =>
  compileSeverityRules(severitySchema.parse({ rules: list }), isProtected);
const sev = (events: RiskEvent[], compiled = compileSeverityRules(severitySchema.parse({})), type?: NotificationType) =>
  mapToIncidents(n(events, type), [], mail, { severityRules: compiled }).map((i) => [i.severity, i.severityReason]);

describe('default severity rules', () => {
  it('makes a ransomware outbreak on six computers High although SEP quarantined every copy', () => {
    const six = ['A', 'B', 'C', 'D', 'E', 'F'].map((c) => ev(c, { riskName: 'Ransom.Lockbit' }));
    expect(sev(six)).toEqual(six.map(() => ['High', 'rule ransomware: risk Ransom.Lockbit matches Ransom.*']));
  });

  it.each([
    ['Backdoor.Cobalt', 'High'],
    ['Hacktool.Mimikatz', 'High'],
    ['Exploit.CVE-2017-0144', 'High'],
    ['W32.Stuxnet.Worm', 'Medium'],
    ['Trojan.Gen.2', 'Low'],
  ])('a quarantined %s on one workstation is %s', (riskName, expected) => {
    expect(sev([ev('WS-1', { riskName })], undefined, NotificationTypes.singleRiskEvent)[0]![0]).toBe(expected);
  });

  it('raises by spread: 3 computers Medium, 10 High', () => {
    const hosts = (k: number) => Array.from({ length: k }, (_, i) => ev(`WS-${i}`));
    expect(sev(hosts(2)).map((s) => s[0])).toEqual(['Low', 'Low']);
    expect(new Set(sev(hosts(3)).map((s) => s[0]))).toEqual(new Set(['Medium']));
    expect(sev(hosts(10))[0]).toEqual(['High', 'rule spread-10-computers: 10 computers ≥ 10']);
  });

  it('makes a cleaned risk on a server Medium and a failed action High, naming why', () => {
    const one = NotificationTypes.singleRiskEvent;
    expect(sev([ev('WS-9', { group: 'My Company\\Servers\\DMZ' })], undefined, one)[0]).toEqual([
      'Medium',
      'rule server-group: group My Company\\Servers\\DMZ matches **\\Servers\\**',
    ]);
    expect(sev([ev('SRV-APP-12')], undefined, one)[0]![1]).toBe('rule server-name: computer SRV-APP-12 matches SRV*');
    expect(sev([ev('WS-9', { action: 'All actions failed', actionCode: 23 })], undefined, one)[0]).toEqual([
      'High',
      'action All actions failed on WS-9: SEP did not remove the risk',
    ]);
  });
});

describe('configured severity rules', () => {
  it('matches actions by name or code as the mail parser resolves them', () => {
    const c = rules([{ name: 'renamed', severity: 'High', actions: ['Renamed', '23'] }]);
    expect(sev([ev('WS-1', { action: 'Renamed', actionCode: 2 })], c)[0]).toEqual([
      'High',
      'rule renamed: action Renamed',
    ]);
    expect(
      sev([ev('WS-1', { action: undefined, actionCode: undefined, actionRaw: 'All actions failed' })], c)[0]![0],
    ).toBe('High');
  });

  it('ANDs the conditions of a rule on one event, ORs the patterns of one list', () => {
    const c = rules([
      { name: 'fin-ransom', severity: 'High', riskNames: ['Ransom.*', 'Trojan.Crypt*'], groups: ['**\\Finance'] },
    ]);
    const fin = { group: 'My Company\\Finance' };
    expect(sev([ev('A', { riskName: 'Trojan.Cryptolocker', ...fin })], c)[0]![0]).toBe('High');
    expect(sev([ev('A', { riskName: 'Ransom.X' })], c)[0]![0]).toBe('Low');
    // The risk on one event and the group on another do not make one match.
    const split = [ev('A', { riskName: 'Ransom.X', filePath: 'x' }), ev('A', { ...fin, filePath: 'x' })];
    expect(sev(split, c)[0]![0]).toBe('Low');
  });

  it('treats patterns as globs, never as regular expressions', () => {
    const c = rules([{ name: 'lit', severity: 'High', riskNames: ['Ransom.(a+)+'] }]);
    expect(sev([ev('A', { riskName: 'Ransom.aaaa' })], c)[0]![0]).toBe('Low');
    expect(sev([ev('A', { riskName: 'ransom.(A+)+' })], c)[0]![0]).toBe('High');
  });

  it('raises a protected asset through the check it is given, and security alerts by signature', () => {
    const c = rules(
      [
        { name: 'crown-jewels', severity: 'High', protected: true },
        { name: 'scanner', severity: 'Medium', types: ['client_security_alert'], signatures: ['*Nessus*'] },
      ],
      (e) => (e.computer === 'DC01' ? 'policy.protected.hosts: DC*' : null),
    );
    expect(sev([ev('DC01')], c)[0]).toEqual(['High', 'rule crown-jewels: protected (policy.protected.hosts: DC*)']);
    const alert = ev('WEB', {
      action: undefined,
      actionCode: undefined,
      description: '[SID: 30369] Audit: Nessus Scanner',
    });
    expect(sev([alert], c, NotificationTypes.securityAlert)[0]).toEqual([
      'Medium',
      'no action reported; rule scanner: type client_security_alert, signature [SID: 30369] Audit: Nessus Scanner matches *Nessus*',
    ]);
  });

  it('refuses a bad rule at load, naming it', () => {
    expect(() => severitySchema.parse({ rules: [{ name: 'x', severity: 'High' }] })).toThrow(/at least one condition/);
    expect(() =>
      severitySchema.parse({
        rules: [
          { name: 'x', severity: 'High', types: ['risk_outbreak'] },
          { name: 'x', severity: 'Low', minComputers: 2 },
        ],
      }),
    ).toThrow(/duplicate rule name/);
    expect(() => rules([{ name: 'a', severity: 'High', actions: ['Exploded'] }])).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONFIG_INVALID,
        message: expect.stringContaining('soar.severity.rules[0].actions[0]'),
      }),
    );
    expect(() => rules([{ name: 'a', severity: 'High', groups: ['a\\***'] }])).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }),
    );
    expect(configSchema.parse({}).soar.severity.rules.map((r) => r.name)).toContain('ransomware');
  });
});

describe('severity on merge', () => {
  it('never lowers it: a cleaned repeat of a ransomware incident keeps High and the note says why', async () => {
    const store = openEmbeddedStore(':memory:');
    const off = compileSeverityRules(
      severitySchema.parse({ rules: [{ name: 'none', severity: 'Low', minComputers: 99 }] }),
    );
    const base = ev('WS-1', { riskName: 'Ransom.Lockbit' });
    const [first] = mapToIncidents(n([base], NotificationTypes.singleRiskEvent), [], mail);
    const [repeat] = mapToIncidents(
      n([base], NotificationTypes.singleRiskEvent),
      [],
      { ...mail, messageId: '<m2@x>' },
      { severityRules: off },
    );
    expect([first!.severity, repeat!.severity]).toEqual(['High', 'Low']);
    const opts = { mergeWindowMs: 86_400_000 };
    const a = await store.findOrCreateIncident(first!, { ...opts, sourceMessageId: '<m1@sepm.example>', now: 1000 });
    const b = await store.findOrCreateIncident(repeat!, { ...opts, sourceMessageId: '<m2@x>', now: 2000 });
    expect(b.outcome).toBe('merged');
    expect(b.incident.severity).toBe('High');
    expect(a.incident.description).toContain(
      '<tr><th>High</th><td>rule ransomware: risk Ransom.Lockbit matches Ransom.*</td></tr>',
    );
    const notes = await store.listNotes(a.incident.id);
    expect(notes.at(-1)!.text).toContain("this alert's severity Low (SEP removed the risk (Quarantined))");
    await store.close();
  });
});

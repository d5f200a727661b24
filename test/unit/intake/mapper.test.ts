import { describe, expect, it } from 'vitest';
import {
  ArtifactTypes,
  NotificationTypes,
  type Artifact,
  type MailMeta,
  type NotificationType,
  type RiskEvent,
  type SepNotification,
} from '../../../src/mail/types.ts';
import { dedupKeyFor, mapToIncidents, NAME_MAX } from '../../../src/intake/mapper.ts';
import { classifyAction } from '../../../src/intake/mapper-severity.ts';

const mail: MailMeta = {
  messageId: '<alert-1@sepm.example>',
  from: 'sepm@corp.example',
  subject: 'Single Risk Event: machine TEST-ENDPOINT infected with Trojan.Gen.NPE, action Cleaned by deletion',
  date: 'Thu, 28 Feb 2019 03:50:30 +0000',
  sizeBytes: 2048,
};

function event(overrides: Partial<RiskEvent> = {}): RiskEvent {
  return {
    riskName: 'Trojan.Gen.NPE',
    filePath: 'C:\\suspicious_exe.exe',
    computer: 'TEST-ENDPOINT',
    ips: ['192.168.194.94'],
    user: 'Administrator',
    domain: 'Default',
    server: 'SEPM-SERVER',
    group: 'My Company\\TEST_GROUP_1',
    action: 'Cleaned by deletion',
    actionCode: 19,
    source: 'Real Time Scan',
    eventTime: '2019-02-28T03:40:12.000Z',
    eventTimeRaw: 'Feb 28, 2019 3:40:12 AM',
    ...overrides,
  };
}

function notification(
  events: RiskEvent[],
  type: NotificationType = NotificationTypes.singleRiskEvent,
): SepNotification {
  return {
    type,
    isRisk: true,
    subject: mail.subject,
    template: 'single-risk-event/v1',
    server: 'SEPM-SERVER',
    generatedAt: '2019-02-28T03:50:21.000Z',
    events,
    truncated: false,
    forwarded: false,
  };
}

const values = (artifacts: Artifact[]) => artifacts.map((a) => a.value).sort();

describe('mapToIncidents', () => {
  it('maps the canonical Single Risk Event', () => {
    const artifacts: Artifact[] = [
      { type: ArtifactTypes.systemName, value: 'TEST-ENDPOINT' },
      { type: ArtifactTypes.ipAddress, value: '192.168.194.94' },
      { type: ArtifactTypes.fileName, value: 'suspicious_exe.exe' },
      { type: ArtifactTypes.malwareFamily, value: 'Trojan.Gen.NPE' },
    ];
    const [inc, ...rest] = mapToIncidents(notification([event()]), artifacts, mail);
    expect(rest).toEqual([]);
    expect(inc!.name).toBe('SEP Single Risk Event: Trojan.Gen.NPE on TEST-ENDPOINT (Cleaned by deletion)');
    expect(inc!.severity).toBe('Low');
    expect(inc!.incidentTypes).toEqual(['Malware']);
    expect(inc!.discoveredDate).toBe(Date.parse('2019-02-28T03:40:12Z'));
    expect(inc!.descriptionFormat).toBe('html');
    expect(inc!.description).toContain('<th>File path</th><td>C:\\suspicious_exe.exe</td>');
    expect(inc!.description).toContain('<th>Group</th><td>My Company\\TEST_GROUP_1</td>');
    expect(inc!.dedupKey).toBe(dedupKeyFor(event()));
    expect(inc!.artifacts).toEqual(artifacts);
    expect(inc!.properties).toEqual({
      sepm_server: 'SEPM-SERVER',
      sepm_domain: 'Default',
      sepm_group: 'My Company\\TEST_GROUP_1',
      sepm_notification_type: 'single_risk_event',
      sepm_risk_name: 'Trojan.Gen.NPE',
      sepm_computer: 'TEST-ENDPOINT',
      sepm_action: 'Cleaned by deletion',
      sepm_message_id: '<alert-1@sepm.example>',
      sepm_forwarded: false,
    });
  });

  it('HTML-escapes every mail value in the description and keeps the name on one line', () => {
    const evil = event({
      riskName: '<script>alert(1)</script>',
      computer: '"><img src=x onerror=alert(2)>',
      description: "it's <b>bold</b> & more `tick`",
      extra: { '<i>Label</i>': '<svg onload=alert(3)>' },
    });
    const evilMail = { ...mail, subject: '<script>x</script>', from: '<a href="javascript:1">' };
    const [inc] = mapToIncidents(notification([evil]), [], evilMail);
    const d = inc!.description;
    expect(d).not.toMatch(/<script|<img|<svg|<i>|<b>|<a /i);
    expect(d).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(d).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // One escaper for the UI and the description: the backtick too (the description copy once left it raw).
    expect(d).toContain('it&#39;s &lt;b&gt;bold&lt;/b&gt; &amp; more &#96;tick&#96;');
    expect(d).toContain('&lt;i&gt;Label&lt;/i&gt;');
    const [multi] = mapToIncidents(notification([event({ riskName: 'A\r\nB\u0000C' })]), [], mail);
    expect(multi!.name).toBe('SEP Single Risk Event: A B C on TEST-ENDPOINT (Cleaned by deletion)');
  });

  it('caps the name at 255 characters', () => {
    const [inc] = mapToIncidents(notification([event({ riskName: 'R'.repeat(400) })]), [], mail);
    expect([...inc!.name]).toHaveLength(NAME_MAX);
    expect(inc!.name.endsWith('…')).toBe(true);
    const [emoji] = mapToIncidents(notification([event({ riskName: '😈'.repeat(300) })]), [], mail);
    expect([...emoji!.name]).toHaveLength(NAME_MAX);
    expect(emoji!.name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('makes one incident per computer of an outbreak, each with its own artifacts', () => {
    const hosts = ['WS-01', 'WS-02', 'WS-03'];
    const events = hosts.map((h, i) =>
      event({ computer: h, ips: [`10.0.0.${i + 1}`], action: 'Quarantined', actionCode: 1 }),
    );
    const artifacts: Artifact[] = [
      ...hosts.map((h) => ({ type: ArtifactTypes.systemName, value: h })),
      ...hosts.map((_, i) => ({ type: ArtifactTypes.ipAddress, value: `10.0.0.${i + 1}` })),
      { type: ArtifactTypes.malwareFamily, value: 'trojan.gen.npe' },
      { type: ArtifactTypes.dnsName, value: 'c2.evil.example' },
    ];
    const incidents = mapToIncidents(notification(events, NotificationTypes.riskOutbreak), artifacts, mail);
    expect(incidents).toHaveLength(3);
    expect(new Set(incidents.map((i) => i.dedupKey)).size).toBe(3);
    incidents.forEach((inc, i) => {
      expect(inc.name).toBe(`SEP Risk Outbreak: Trojan.Gen.NPE on ${hosts[i]} (Quarantined)`);
      expect(values(inc.artifacts)).toEqual([hosts[i], `10.0.0.${i + 1}`, 'c2.evil.example', 'trojan.gen.npe'].sort());
      expect(inc.severity).toBe('Medium'); // cleaned, but on ≥ 3 computers
      expect(inc.description).toContain(hosts[i]);
      expect(inc.description).not.toContain(hosts[(i + 1) % 3]!);
    });
  });

  it('groups events with the same computer, risk and path (any case or slash) into one incident', () => {
    const a = event({ eventTime: '2019-02-28T03:40:12Z' });
    const b = event({
      computer: 'test-endpoint',
      filePath: 'c:/SUSPICIOUS_EXE.exe',
      eventTime: '2019-02-28T03:30:00Z',
      action: 'Left alone',
      actionCode: 4,
    });
    const incidents = mapToIncidents(notification([a, b], NotificationTypes.riskOutbreak), [], mail);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.description).toContain('Event 2 of 2');
    expect(incidents[0]!.discoveredDate).toBe(Date.parse('2019-02-28T03:30:00Z'));
    expect(incidents[0]!.severity).toBe('High');
    expect(incidents[0]!.properties.sepm_action).toBe('Cleaned by deletion, Left alone');
  });

  it('maps a security alert to System Intrusion, High, attacker → target', () => {
    const ev: RiskEvent = {
      ips: [],
      attackerIp: '203.0.113.9',
      targetComputer: 'DC-01',
      targetIp: '10.1.1.1',
      computer: 'DC-01',
    };
    const [inc] = mapToIncidents(notification([ev], NotificationTypes.securityAlert), [], mail);
    expect(inc!.name).toBe('SEP Security Alert: 203.0.113.9 → DC-01');
    expect(inc!.incidentTypes).toEqual(['System Intrusion']);
    expect(inc!.severity).toBe('High');
  });

  it('falls back for the discovered date: generated-at, then mail date, then now', () => {
    const noTime = event({ eventTime: undefined });
    expect(mapToIncidents(notification([noTime]), [], mail)[0]!.discoveredDate).toBe(
      Date.parse('2019-02-28T03:50:21Z'),
    );
    const n = { ...notification([noTime]), generatedAt: undefined };
    expect(mapToIncidents(n, [], mail)[0]!.discoveredDate).toBe(Date.parse('2019-02-28T03:50:30Z'));
    expect(mapToIncidents(n, [], { ...mail, date: undefined }, { now: 42 })[0]!.discoveredDate).toBe(42);
  });

  it('returns no incident for a notification without events', () => {
    expect(mapToIncidents(notification([]), [], mail)).toEqual([]);
  });
});

describe('severity rules', () => {
  const sev = (ev: Partial<RiskEvent>, type: NotificationType = NotificationTypes.singleRiskEvent) =>
    mapToIncidents(notification([event(ev)], type), [], mail)[0]!.severity;

  it.each([
    [{ action: 'Left alone', actionCode: 4 }, 'High'],
    [{ action: 'All actions failed', actionCode: 23 }, 'High'],
    [{ action: undefined, actionRaw: '4', actionCode: 4 }, 'High'],
    [{ action: 'Process terminate pending restart', actionCode: undefined }, 'High'],
    [{ action: 'Clean failed: file locked', actionCode: undefined }, 'High'],
    [{ action: 'Allowed by user', actionCode: 102 }, 'High'],
    [{ action: 'Quarantined', actionCode: 1 }, 'Low'],
    [{ action: 'Deleted', actionCode: 3 }, 'Low'],
    [{ action: 'cleaned', actionCode: undefined }, 'Low'],
    [{ action: 'Renamed', actionCode: 2 }, 'Medium'],
    [{ action: undefined, actionCode: undefined }, 'Medium'],
  ] as const)('single risk event with %j → %s', (ev, expected) => {
    expect(sev(ev)).toBe(expected);
  });

  it('raises a cleaned New Risk to Medium but keeps a failed one High', () => {
    expect(sev({ action: 'Quarantined', actionCode: 1 }, NotificationTypes.newRiskDetected)).toBe('Medium');
    expect(sev({ action: 'Left alone', actionCode: 4 }, NotificationTypes.newRiskDetected)).toBe('High');
  });

  it('keeps a cleaned outbreak on two computers Low', () => {
    const events = ['A', 'B'].map((c) => event({ computer: c, action: 'Quarantined', actionCode: 1 }));
    const incidents = mapToIncidents(notification(events, NotificationTypes.riskOutbreak), [], mail);
    expect(incidents.map((i) => i.severity)).toEqual(['Low', 'Low']);
  });

  it('classifies actions by code before text', () => {
    expect(classifyAction({ action: 'something custom', actionCode: 19 })).toBe('remediated');
    expect(classifyAction({ action: 'something custom' })).toBe('unknown');
  });
});

describe('dedupKeyFor', () => {
  it('is stable across runs and releases (pinned value)', () => {
    expect(dedupKeyFor(event())).toBe(dedupKeyFor(event()));
    expect(dedupKeyFor(event())).toMatch(/^sep1:[0-9a-f]{64}$/);
    expect(dedupKeyFor(event())).toBe(PINNED_KEY);
  });

  it('normalises case, slashes and whitespace', () => {
    const variants = [
      event({ computer: 'test-endpoint', riskName: 'trojan.gen.npe', filePath: 'c:/SUSPICIOUS_EXE.EXE' }),
      event({ computer: ' TEST-ENDPOINT ', riskName: 'Trojan.Gen.NPE ', filePath: 'C:\\\\suspicious_exe.exe' }),
      event({ action: 'Left alone', ips: ['10.9.9.9'], user: 'other', eventTime: undefined }),
    ];
    for (const v of variants) expect(dedupKeyFor(v)).toBe(PINNED_KEY);
  });

  it('separates computers, risks and files, and falls back to the hash', () => {
    const keys = [
      event(),
      event({ computer: 'OTHER' }),
      event({ riskName: 'W32.Downadup' }),
      event({ filePath: 'C:\\other.exe' }),
      event({ filePath: undefined, hash: { type: 'SHA-256', value: 'AB'.repeat(32) } }),
      event({ filePath: undefined, hash: { type: 'SHA-256', value: 'CD'.repeat(32) } }),
    ].map(dedupKeyFor);
    expect(new Set(keys).size).toBe(keys.length);
    const lower = event({ filePath: undefined, hash: { type: 'SHA-256', value: 'ab'.repeat(32) } });
    expect(dedupKeyFor(lower)).toBe(keys[4]);
  });
});

// sha256 of "test-endpoint\ntrojan.gen.npe\nc:/suspicious_exe.exe"; changing it splits every open incident.
const PINNED_KEY = 'sep1:22e1173045a0bcd348d3300e97e60792e9cc0f81ded7e2a7ec2e2fe1c14156a2';

/**
 * Critical events (the texts SEPM e-mails as notifications) and the policy summary of the simulated SEPM.
 */
import type { SimCriticalEvent, SimDomain, SimGroup } from './types.ts';

const TEMPLATES: { subject: string; message: string; acknowledged: 0 | 1 }[] = [
  {
    subject: 'Server Health Alert',
    message:
      'Server sepm-sim health status: poor. \nReason: The Symantec Endpoint Protection Manager server does not have Symantec Endpoint Protection installed. \nStatus reported on Jun 26, 2024 7:02:34 AM.',
    acknowledged: 0,
  },
  {
    subject: 'New software package available',
    message:
      'Date: Jun 26, 2024 6:46:43 AM PDT\tServer: sepm-sim\nDownload: Successfully downloaded the Symantec Agent for Linux 14.3 RU8 package from LiveUpdate. This package is now available for deployment.',
    acknowledged: 0,
  },
  {
    subject: 'Informational: Symantec Endpoint Protection Computer List Changed',
    message:
      'Number of clients changed: 1.  Changes could be that a client was added, renamed, or deleted, Unmanaged Detector status changed, client mode changed, or the hardware changed.',
    acknowledged: 1,
  },
  {
    subject: 'System Event Notification',
    message: 'Number of system events detected: 1 \r\nSystem events included: Server and Errors.\r\n\r\n',
    acknowledged: 0,
  },
  {
    subject: 'Information: Symantec Trial license Expires In 60 Days',
    message:
      'Your Symantec Endpoint Protection Trial license expires in 60 days. To continue to receive virus definitions and product updates, contact your &lt;a class=&quot;bluelink&quot; href=&quot;#&quot; &gt;preferred reseller&lt;/a&gt;.&lt;br&gt;',
    acknowledged: 0,
  },
];

/** `yyyy-MM-dd HH:mm:ss.S` in GMT, as SEPM formats eventDateTime. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + '.0';
}

export function defaultEvents(now: number): SimCriticalEvent[] {
  return TEMPLATES.map((t, i) => ({
    eventId: `C73763EF092E5BB9462D7353C645B${String(i).padStart(3, '0')}`,
    eventDateTime: eventTime(now - (TEMPLATES.length - i) * 3_600_000),
    subject: t.subject,
    message: t.message,
    acknowledged: t.acknowledged,
  }));
}

const POLICIES: [string, string][] = [
  ['Exceptions policy', 'exceptions'],
  ['Firewall policy', 'fw'],
  ['Quarantine Firewall policy', 'fw'],
  ['Virus and Spyware Protection policy', 'av'],
  ['Intrusion Prevention policy', 'ips'],
  ['LiveUpdate Settings policy', 'lu'],
  ['Host Integrity policy', 'hi'],
  ['Application and Device Control policy', 'adc'],
];

export function policySummary(domain: SimDomain, groups: SimGroup[], now: number): Record<string, unknown>[] {
  const top = groups.find((g) => g.domainId === domain.id && g.parentId === null);
  return POLICIES.map(([name, type], i) => ({
    assignedtocloudgroups: null,
    assignedtolocations:
      top && name !== 'Quarantine Firewall policy'
        ? [
            {
              defaultLocationId: '8E451D96092E5BB94D06F6F216972F1C',
              groupId: top.id,
              locationIds: ['8E451D96092E5BB94D06F6F216972F1C'],
            },
          ]
        : null,
    desc: 'Created automatically during product installation.',
    domainid: domain.id,
    enabled: true,
    id: `${domain.id.slice(0, 24)}${String(i).padStart(8, '0')}`,
    lastmodifiedtime: now - (i + 1) * 86_400_000,
    name,
    policytype: type,
    sources: [],
    subtype: null,
  }));
}

/** GET /policies/exceptions/{id}: the default exceptions policy as 14.3 returns it. */
export function exceptionsPolicy(summaryItem: Record<string, unknown>): Record<string, unknown> {
  return {
    configuration: {
      applications: [],
      applications_to_monitor: [{ name: 'net.exe', rulestate: { enabled: true } }],
      blacklistrules: [],
      certificates: [],
      directories: [],
      dns_and_host_applications: [],
      dns_and_host_blacklistrules: [],
      extension_list: null,
      files: [],
      knownrisks: [],
      linux: { directories: [], extension_list: null },
      mac: { files: [] },
      non_pe_rules: [],
      tamper_files: [],
      webdomains: [],
    },
    desc: summaryItem.desc,
    enabled: summaryItem.enabled,
    lastmodifiedtime: summaryItem.lastmodifiedtime,
    lockedoptions: {
      application: true,
      certificate: true,
      dnshostfile: true,
      domain: true,
      extension: true,
      file: true,
      knownrisk: true,
      securityrisk: false,
      sonar: true,
    },
    name: summaryItem.name,
    sources: [],
  };
}

/**
 * GET /policies/firewall/{id}. No raw body is public: the keys are those PSSymantecSEPM prints for a 14.3 firewall
 * policy (docs/reference/sepm-rest-api.md §6 Policies); the values are the defaults it shows.
 */
export function firewallPolicy(summaryItem: Record<string, unknown>): Record<string, unknown> {
  return {
    sources: [],
    configuration: {
      enforced_rules: [],
      baseline_rules: [],
      ignore_parent_rules: null,
      smart_dhcp: false,
      smart_dns: false,
      smart_wins: false,
      token_ring_traffic: false,
      netbios_protection: false,
      reverse_dns: false,
      port_scan: false,
      dos: false,
      antimac_spoofing: false,
      autoblock: false,
      autoblock_duration: 600,
      stealth_web: false,
      antiIP_spoofing: false,
      hide_os: false,
      windows_firewall: 'NO_ACTION',
      windows_firewall_notification: false,
      endpoint_notification: null,
      p2p_auth: null,
      mac: null,
    },
    enabled: summaryItem.enabled,
    desc: summaryItem.desc,
    name: summaryItem.name,
    lastmodifiedtime: summaryItem.lastmodifiedtime,
  };
}

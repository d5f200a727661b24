import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SepTables } from '../../src/soar/sep-tables.ts';
import type { SimComputer, SimGroup } from '../../sim/sepm/types.ts';
import { startHarness, type Harness } from '../helpers/enrich-harness.ts';

/**
 * Protected assets against every way of naming a target (issue 10 items 4, 6, 7, 15, 16), through the real worker
 * against the SEPM simulator: group-targeted raw functions, lower-case ids, unknown ids, a second NIC, scan rows,
 * a move's destination and `X\**` protecting X itself.
 */

const ISSUE_POLICY = {
  protected: {
    hosts: ['DC*', 'SRV-*', 'sepm01.corp.local'],
    groups: ['My Company\\Servers', 'My Company\\Servers\\**'],
    ips: ['10.0.0.0/30'],
  },
};

const SHA = 'AB'.repeat(32);

function commandsOf(h: Harness, kind: string): number {
  return [...h.sim.state.commands.values()].filter((c) => c.kind === kind).length;
}

async function runJob(h: Harness, name: string, payload: Record<string, unknown>) {
  const job = await h.waitJob(h.queues.sep, await h.enqueue(name, payload), 60_000);
  return { failed: job.failedReason ?? '', value: job.returnvalue as Record<string, unknown>, job };
}

describe('protected assets (issue policy, 1,500 endpoints read in pages of 200)', () => {
  let h: Harness;
  let mainDomain: string;
  const group = (path: string): SimGroup =>
    h.sim.state.groups.find((g) => g.fullPathName === path && g.domainId === mainDomain)!;
  const inGroup = (g: SimGroup): SimComputer[] => h.sim.state.computers.filter((c) => c.groupId === g.id);
  const ws = (): SimComputer[] => h.sim.state.computers.filter((c) => /^WS-/.test(c.computerName));

  beforeAll(async () => {
    h = await startHarness({
      sim: { computers: 1500 },
      config: { policy: ISSUE_POLICY, sepm: { pageSize: 200 } },
    });
    mainDomain = h.sim.state.domains.find((d) => d.name === 'Default')!.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** What the root group reaches that the policy protects: 3 server groups plus every protected member. */
  function expectedProtectedUnderRoot(): number {
    const servers = h.sim.state.groups.filter(
      (g) => g.domainId === mainDomain && /^My Company\\Servers(\\|$)/.test(g.fullPathName),
    );
    const serverIds = new Set(servers.map((g) => g.id));
    const low = new Set(['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    const hosts = h.sim.state.computers.filter(
      (c) =>
        c.domainId === mainDomain &&
        (/^SRV-/i.test(c.computerName) || serverIds.has(c.groupId) || low.has(c.ipAddress)),
    );
    return servers.length + hosts.length;
  }

  it('quarantine-endpoints on the My Company group id, in upper or lower case, is refused naming the assets', async () => {
    const root = group('My Company');
    const before = commandsOf(h, 'quarantine');
    const expected = expectedProtectedUnderRoot();
    expect(expected).toBeGreaterThan(30);
    const reads = () => h.sim.state.stats.requests['GET /computers'] ?? 0;
    for (const groupIds of [
      root.id,
      root.id.toLowerCase(),
      `${root.id.toLowerCase()}, ${group('My Company\\Mac').id}`,
    ]) {
      const readsBefore = reads();
      const { failed, job } = await runJob(h, 'quarantine-endpoints', { groupIds });
      // One paged pass over the estate (1,500 / 200 = 8 pages), not one call per computer or per group.
      expect(reads() - readsBefore).toBe(8);
      expect(failed).toMatch(/POLICY_PROTECTED_IN_GROUP/);
      expect(failed).toContain(`${expected} protected asset(s)`);
      expect(failed).toMatch(/computer SRV-\d{5} \(policy\.protected\.hosts: SRV-\*/);
      expect(failed).toMatch(/and \d+ more/);
      expect(job.attemptsMade).toBe(1);
    }
    // The protected group itself, by its lower-case id (upper case was already refused before the fix).
    const servers = await runJob(h, 'quarantine-endpoints', {
      groupIds: group('My Company\\Servers').id.toLowerCase(),
    });
    expect(servers.failed).toMatch(/POLICY_PROTECTED_IN_GROUP.*group My Company\\Servers \(/);
    expect(commandsOf(h, 'quarantine')).toBe(before);
    expect(h.sim.state.computers.filter((c) => c.quarantineStatus === 1)).toHaveLength(0);
  });

  it('scan-endpoints with scanAction remediate on the root group is refused; lock-down on it too', async () => {
    const root = group('My Company');
    const before = commandsOf(h, 'eoc');
    const scan = await runJob(h, 'scan-endpoints', {
      groupIds: [root.id.toLowerCase()],
      scanType: 'QUICK_SCAN',
      scanAction: 'remediate',
      sha256: SHA,
      description: 'remediate everywhere',
    });
    expect(scan.failed).toMatch(/POLICY_PROTECTED_IN_GROUP/);
    expect(commandsOf(h, 'eoc')).toBe(before);
    const lock = await runJob(h, 'assign-fingerprint-list-to-group', {
      fingerprintListId: 'C'.repeat(32),
      groupId: root.id.toLowerCase(),
    });
    expect(lock.failed).toMatch(/POLICY_PROTECTED_IN_GROUP/);
  });

  it('a group whose members are all unprotected is quarantined (by its lower-case id)', async () => {
    const unprotected = (c: SimComputer) =>
      !/^(DC|SRV-)/i.test(c.computerName) && !/^10\.0\.0\.[0-3]$/.test(c.ipAddress);
    const mac = ['My Company\\Linux', 'My Company\\Mac', 'My Company\\Workstations\\Site_002']
      .map(group)
      .find((g) => inGroup(g).length > 10 && inGroup(g).every(unprotected))!;
    const members = inGroup(mac);
    const { failed, value } = await runJob(h, 'quarantine-endpoints', { groupIds: mac.id.toLowerCase() });
    expect(failed).toBe('');
    const commandId = (value.content as { commandID_group?: string }).commandID_group!;
    expect(h.sim.state.commands.get(commandId)?.entries).toHaveLength(members.length);
  });

  it('ids SEPM does not know are refused before anything is sent (fail closed)', async () => {
    const before = commandsOf(h, 'quarantine');
    for (const payload of [
      { groupIds: 'F'.repeat(32) },
      { computerIds: 'E'.repeat(32) },
      { hardwareKeys: ['D'.repeat(32)] },
      { groupIds: [group('My Company\\Mac').id], computerIds: ['E'.repeat(32)] },
    ]) {
      const { failed } = await runJob(h, 'quarantine-endpoints', payload);
      expect(failed).toMatch(/POLICY_TARGET_UNRESOLVED/);
    }
    expect(commandsOf(h, 'quarantine')).toBe(before);
  });

  it('a protected address on a second NIC protects the host (item 6)', async () => {
    const host = ws()[5]!;
    host.extraIps = ['10.0.0.1'];
    const incidentId = await h.newIncident([]);
    const playbook = await runJob(h, 'quarantine-endpoint', { incidentId, computerId: host.uniqueId });
    expect(playbook.failed).toMatch(/POLICY_DENIED.*policy\.protected\.ips: 10\.0\.0\.0\/30/);
    const raw = await runJob(h, 'quarantine-endpoints', { computerIds: [host.uniqueId.toLowerCase()] });
    expect(raw.failed).toMatch(/POLICY_DENIED.*policy\.protected\.ips: 10\.0\.0\.0\/30/);
    expect(host.quarantineStatus).not.toBe(1);
    host.extraIps = [];
  });

  async function scanRow(incidentId: number, c: SimComputer, name = c.computerName): Promise<number> {
    const row = await h.soar.addTableRow(incidentId, SepTables.eocScanResults, {
      computer_id: c.uniqueId,
      computer_name: name,
      hash_value: SHA,
      file_path: 'C:\\Temp\\x.exe',
      scan_type: 'QUICK',
    });
    return row.id;
  }

  it('remediation from a scan row gates on the computer as SEPM knows it: name, IPs and group (item 7)', async () => {
    const incidentId = await h.newIncident([]);
    const before = commandsOf(h, 'eoc');
    // A workstation that sits in a protected group: protected by group only.
    const inDmz = ws()[7]!;
    inDmz.groupId = group('My Company\\Servers\\DMZ').id;
    const byGroup = await runJob(h, 'remediate-artifact', { incidentId, rowId: await scanRow(incidentId, inDmz) });
    expect(byGroup.failed).toMatch(/POLICY_DENIED.*policy\.protected\.groups/);
    // A row whose name does not say what SEPM says (a server id under a workstation name).
    const srv = h.sim.state.computers.find((c) => /^SRV-/.test(c.computerName))!;
    const renamed = await runJob(h, 'remediate-artifact', {
      incidentId,
      rowId: await scanRow(incidentId, srv, 'WS-99999'),
    });
    expect(renamed.failed).toMatch(/POLICY_DENIED.*policy\.protected\.hosts: SRV-\*/);
    // A row whose computer SEPM no longer knows.
    const ghostRow = await h.soar.addTableRow(incidentId, SepTables.eocScanResults, {
      computer_id: '9'.repeat(32),
      computer_name: 'WS-GHOST',
      hash_value: SHA,
      file_path: 'C:\\Temp\\x.exe',
    });
    const ghost = await runJob(h, 'remediate-artifact', { incidentId, rowId: ghostRow.id });
    expect(ghost.failed).toMatch(/POLICY_TARGET_UNRESOLVED/);
    expect(commandsOf(h, 'eoc')).toBe(before);
    // Positive control: an unprotected workstation's row is remediated.
    const ok = await runJob(h, 'remediate-artifact', { incidentId, rowId: await scanRow(incidentId, ws()[8]!) });
    expect(ok.failed).toBe('');
    expect(ok.value.commandId).toMatch(/^[0-9A-F]{32}$/);
  });

  it('move-endpoint gates the destination group as well as the computer (item 15)', async () => {
    const host = ws()[9]!;
    const from = host.groupId;
    const dmz = group('My Company\\Servers\\DMZ');
    const incidentId = await h.newIncident([]);
    const playbook = await runJob(h, 'move-endpoint-playbook', {
      incidentId,
      computerId: host.uniqueId,
      groupId: dmz.id.toLowerCase(),
    });
    expect(playbook.failed).toMatch(/POLICY_DENIED.*My Company\\Servers\\DMZ/);
    const raw = await runJob(h, 'move-endpoint', { hardwareKey: host.hardwareKey, groupId: dmz.id });
    expect(raw.failed).toMatch(/POLICY_DENIED.*policy\.protected\.groups/);
    const unknown = await runJob(h, 'move-endpoint', { hardwareKey: host.hardwareKey, groupId: '8'.repeat(32) });
    expect(unknown.failed).toMatch(/POLICY_TARGET_UNRESOLVED/);
    expect(host.groupId).toBe(from);
    const site = group('My Company\\Workstations\\Site_001');
    const ok = await runJob(h, 'move-endpoint-playbook', { incidentId, computerId: host.uniqueId, groupId: site.id });
    expect(ok.failed).toBe('');
    expect(host.groupId).toBe(site.id);
  });
});

describe('protected by `My Company\\Servers\\**` only, and by an IPv6 range', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      config: { policy: { protected: { hosts: [], groups: ['My Company\\Servers\\**'], ips: ['fe80::/10'] } } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  const mainDomain = () => h.sim.state.domains.find((d) => d.name === 'Default')!.id;
  const servers = () =>
    h.sim.state.groups.find((g) => g.fullPathName === 'My Company\\Servers' && g.domainId === mainDomain())!;

  /** The computers as SEPM reports them (through the worker's own get-computers). */
  async function records(): Promise<{ computerName: string; uniqueId: string; ipAddresses: string[] }[]> {
    const job = await h.waitJob(h.queues.sep, await h.enqueue('get-computers', { pageIndex: 1, pageSize: 100 }));
    return (job.returnvalue as { content: { content: [] } }).content.content;
  }

  it('X\\** protects the group X itself: no quarantine in it, no move into it (item 16)', async () => {
    const all = await records();
    const v4Only = all.filter((r) => /^WS-/.test(r.computerName) && r.ipAddresses.length === 1);
    const host = h.sim.state.computers.find((c) => c.uniqueId === v4Only[0]!.uniqueId)!;
    const incidentId = await h.newIncident([]);
    const move = await runJob(h, 'move-endpoint-playbook', {
      incidentId,
      computerId: host.uniqueId,
      groupId: servers().id,
    });
    expect(move.failed).toMatch(/POLICY_DENIED.*policy\.protected\.groups: My Company\\Servers\\\*\*/);
    host.groupId = servers().id;
    const quarantine = await runJob(h, 'quarantine-endpoint', { incidentId, computerId: host.uniqueId });
    expect(quarantine.failed).toMatch(/POLICY_DENIED.*policy\.protected\.groups: My Company\\Servers\\\*\*/);
    expect(host.quarantineStatus).not.toBe(1);
  });

  it('an IPv6 second address in a protected range protects the host; an IPv4-only one is not (item 6)', async () => {
    const all = (await records()).filter((r) => /^WS-/.test(r.computerName));
    const dual = all.find((r) => r.ipAddresses.length === 2 && r.ipAddresses[1]!.includes(':'))!;
    const single = all.filter((r) => r.ipAddresses.length === 1)[1]!;
    const incidentId = await h.newIncident([]);
    const refused = await runJob(h, 'quarantine-endpoint', { incidentId, computerId: dual.uniqueId });
    expect(refused.failed).toMatch(/POLICY_DENIED.*policy\.protected\.ips: fe80::\/10/);
    const ok = await runJob(h, 'quarantine-endpoint', { incidentId, computerId: single.uniqueId });
    expect(ok.failed).toBe('');
  });
});

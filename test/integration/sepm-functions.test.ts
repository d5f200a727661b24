import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sepmSchema, type SepmConfig } from '../../src/config/schema.ts';
import { createSepmClient, type SepmClient } from '../../src/sepm/client/client.ts';
import { createSepmApi, type SepmRawApi } from '../../src/sepm/functions/api.ts';
import type {
  EndpointStatusDetails,
  EndpointStatusSummary,
  GetCommandStatusOutput,
  SepmComputer,
  SepmPage,
} from '../../src/sepm/functions/types.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';

/** Every SEP function against the SEPM simulator over HTTPS with certificate verification on (CA bundle). */

let sim: SepmSim;
let cfg: SepmConfig;
let client: SepmClient;
let fns: SepmRawApi;

const SHA256 = '9a4e26d0c4ab855d5346bae28272bbeeb1ab713b29a4aab030770655f05acc25';
const MD5 = 'ff8c053969c0a52ff267d25138c71553';

beforeAll(async () => {
  sim = await startSepmSim({ commandStepMs: 20 });
  cfg = sepmSchema.parse({ host: sim.host, port: sim.port, caBundle: sim.caFile, ...sim.credentials });
  client = createSepmClient(cfg);
  fns = createSepmApi(client, cfg).raw;
});

afterAll(async () => {
  await client?.close();
  await sim?.stop();
});

async function untilDone(commandId: string, statusType: 'scan' | 'remediation' | 'upload' | 'quarantine') {
  for (let i = 0; i < 100; i++) {
    const out = await fns.getCommandStatus({ commandId, statusType });
    if (out.content.status.overall_command_state !== 'In progress') return out.content;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`command ${commandId} did not finish`);
}

function online(n = 0): SepmComputer {
  const c = sim.state.computers.filter((x) => x.onlineStatus === 1)[n]!;
  return { computerName: c.computerName, uniqueId: c.uniqueId, hardwareKey: c.hardwareKey };
}

describe('estate functions', () => {
  it('get-domains and get-groups (all pages, tree mode, by full path)', async () => {
    const domains = await fns.getDomains();
    expect(domains.content.map((d) => d.name)).toEqual(sim.state.domains.map((d) => d.name));
    const groups = await fns.getGroups({ pageSize: 2 });
    expect(groups.content.content).toHaveLength(sim.state.groups.length);
    const target = sim.state.groups.find((g) => g.fullPathName.split('\\').length > 2)!;
    const byPath = await fns.getGroups({ fullPathName: target.fullPathName, domain: target.domainId });
    expect(byPath.content.content.map((g) => g.id)).toContain(target.id);
    await expect(fns.getGroups({ mode: 'tree' })).resolves.toMatchObject({ success: true });
  });

  it('get-computers: one page by default, every page for ids and the summary', async () => {
    const first = (await fns.getComputers({})).content as SepmPage<SepmComputer>;
    expect(first.content.length).toBe(20);
    const ids = (await fns.getComputers({ matchingEndpointIds: true })).content as { endpoints_matching_ids: string[] };
    expect(ids.endpoints_matching_ids).toHaveLength(sim.state.computers.length);
    const lean = (await fns.getComputers({ matchingEndpointIds: true, idsOnly: true, pageSize: 50 })).content as {
      endpoints_matching_ids: string[];
      content: unknown[];
    };
    expect(lean.endpoints_matching_ids).toEqual(ids.endpoints_matching_ids);
    expect(lean.content).toEqual([]);
    const summary = (await fns.getComputers({ status: true })).content as EndpointStatusSummary;
    expect(summary.total).toBe(sim.state.computers.length);
    expect(summary.offline).toBe(sim.state.computers.filter((c) => c.onlineStatus === 0).length);
    expect(summary.up_to_date + summary.out_of_date).toBe(summary.total);
    const details = (await fns.getComputers({ statusDetails: true })).content as EndpointStatusDetails;
    expect(details.eps).toHaveLength(details.non_compliant);
  });

  it('get-computers by name with a wildcard', async () => {
    const c = online(3);
    const out = (await fns.getComputers({ computerName: c.computerName.slice(0, -1) + '*' })).content as SepmPage<
      SepmComputer & { readableLastUpdateTime: string }
    >;
    expect(out.content.map((x) => x.uniqueId)).toContain(c.uniqueId);
    expect(out.content[0]!.readableLastUpdateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('move-endpoint records the previous group and moves the computer', async () => {
    const c = sim.state.computers[5]!;
    const target = sim.state.groups.find((g) => g.domainId === c.domainId && g.id !== c.groupId)!;
    const before = c.groupId;
    const out = await fns.moveEndpoint({ groupId: target.id, hardwareKey: c.hardwareKey });
    expect(out).toMatchObject({ success: true, content: { previousGroupId: before } });
    expect(sim.state.computers.find((x) => x.uniqueId === c.uniqueId)!.groupId).toBe(target.id);
  });
});

describe('commands', () => {
  it('quarantine and undo change the endpoint state', async () => {
    const c = online(0);
    const q = await fns.quarantineEndpoints({ computerIds: [c.uniqueId] });
    const done = await untilDone(q.content.commandID_computer!, 'quarantine');
    expect(done.status.overall_command_state).toBe('Completed');
    expect(sim.state.computers.find((x) => x.uniqueId === c.uniqueId)!.quarantineStatus).toBe(1);
    const undo = await fns.quarantineEndpoints({ hardwareKeys: c.hardwareKey, undo: true });
    await untilDone(undo.content.commandID_computer!, 'quarantine');
    expect(sim.state.computers.find((x) => x.uniqueId === c.uniqueId)!.quarantineStatus).not.toBe(1);
  });

  it('comma-joined ID lists (idListStyle comma) reach every endpoint', async () => {
    const commaCfg = { ...cfg, idListStyle: 'comma' as const };
    const commaClient = createSepmClient(commaCfg);
    try {
      const f = createSepmApi(commaClient, commaCfg).raw;
      const ids = [online(10).uniqueId, online(11).uniqueId];
      const q = await f.quarantineEndpoints({ computerIds: ids, undo: true });
      const out = await f.getCommandStatus({ commandId: q.content.commandID_computer!, statusType: 'quarantine' });
      expect(out.content.status.content.map((e) => e.computerId).sort()).toEqual([...ids].sort());
    } finally {
      await commaClient.close();
    }
  });

  it('EOC scan finds a planted file; matching ids are only the endpoints with matches', async () => {
    const [a, b] = [online(1), online(2)];
    sim.plantFile(a.uniqueId, { path: 'C:\\Users\\x\\evil, copy.exe', sha256: SHA256 });
    const scan = await fns.scanEndpoints({
      computerIds: `${a.uniqueId}, ${b.uniqueId}`,
      scanType: 'FULL_SCAN',
      description: 'Scan eoc for suspicious hash',
      sha256: SHA256,
    });
    await untilDone(scan.content.commandID_computer!, 'scan');
    const out = await fns.getCommandStatus({
      commandId: scan.content.commandID_computer!,
      statusType: 'scan',
      matchingEndpointIds: true,
    });
    expect(out.content.endpoints_matching_ids).toEqual([a.uniqueId]);
    expect(out.content.status.total_match_count).toBeGreaterThanOrEqual(1);
    expect(out.content.status.total_ep_count).toBe(2);
  });

  it('a scan over the results limit is truncated and the full result goes to the scan CSV', async () => {
    const targets = [online(4), online(5), online(6)];
    for (const t of targets)
      sim.plantFile(t.uniqueId, { path: `C:\\t\\${t.computerName}.exe`, sha256: SHA256.replace('9a', '8b') });
    const scan = await fns.scanEndpoints({
      computerIds: targets.map((t) => t.uniqueId),
      scanType: 'QUICK_SCAN',
      description: 'd',
      sha256: SHA256.replace('9a', '8b'),
    });
    await untilDone(scan.content.commandID_computer!, 'scan');
    const out = await fns.getCommandStatus({
      commandId: scan.content.commandID_computer!,
      statusType: 'scan',
      resultsLimit: 1,
      pageSize: 2, // three endpoints over two pages: the totals cover both
    });
    expect(out.content.status.total_ep_count).toBe(3);
    expect(out.content.status.total_match_ep_count).toBe(3);
    const c: GetCommandStatusOutput = out.content;
    expect(c.status.scan_eoc_hits_over_limit).toBe(true);
    expect(c.status.content.reduce((n, e) => n + (e.scan_result?.match_count ?? 0), 0)).toBe(1);
    expect(c.csv!.content.split('\n').filter((l) => l.includes('.exe')).length).toBe(c.status.total_match_count);
  });

  it('remediation quarantines the planted file and yields the remediation CSV', async () => {
    const a = online(7);
    sim.plantFile(a.uniqueId, { path: 'C:\\temp\\bad.exe', sha256: SHA256.replace('9a', '7c') });
    const scan = await fns.scanEndpoints({
      computerIds: a.uniqueId,
      scanType: 'QUICK_SCAN',
      scanAction: 'remediate',
      filePath: 'C:\\temp\\bad.exe',
      description: "Remediate endpoint for suspect file 'C:\\temp\\bad.exe'.",
      sha256: SHA256.replace('9a', '7c'),
    });
    const out = await untilDone(scan.content.commandID_computer!, 'remediation');
    expect(out.status.total_remediation_count).toBeGreaterThanOrEqual(1);
    expect(out.csv!.name).toMatch(/^Remediation_results_for_commandid_/);
  });

  it('upload → binaryFileId → file content equals the planted bytes', async () => {
    const a = online(8);
    const content = Buffer.from('MZ\u0000binary,"payload"\n');
    sim.plantFile(a.uniqueId, { path: 'C:\\temp\\up.exe', sha256: SHA256.replace('9a', '6d'), content });
    const up = await fns.uploadFile({ filePath: 'C:\\temp\\up.exe', computerIds: a.uniqueId, source: 'BOTH' });
    const done = await untilDone(up.content.commandID, 'upload');
    const fileId = done.status.content[0]!.binaryFileId!;
    expect(fileId).toMatch(/^[0-9A-F]{32}$/);
    const file = await fns.getFileContent({ fileId });
    expect(Buffer.from(file.content, 'base64').equals(content)).toBe(true);
  });

  it('an offline endpoint stays pending, times out by scan date, and can be cancelled', async () => {
    const off = sim.state.computers.find((c) => c.onlineStatus === 0)!;
    const scan = await fns.scanEndpoints({ computerIds: off.uniqueId, scanType: 'QUICK_SCAN', description: 'd' });
    const id = scan.content.commandID_computer!;
    const old = new Date(Date.now() - 3600_000).toISOString();
    const out = await fns.getCommandStatus({ commandId: id, statusType: 'scan', scanDate: old });
    expect(out.content.status.overall_command_state).toBe('Timedout');
    const cancel = await fns.cancelCommand({ commandId: id });
    expect(cancel.content.commandID).toMatch(/^[0-9A-F]{32}$/);
    const after = await fns.getCommandStatus({ commandId: id, statusType: 'scan' });
    expect(after.content.status.overall_command_state).toBe('Canceled');
  });

  it('get-policy-summary → get-firewall-policy / get-exceptions-policy by the summary ids', async () => {
    const domainId = sim.state.domains[0]!.id;
    const summary = await fns.getPolicySummary({ domainId });
    const items = summary.content.content;
    expect(items.every((p) => p.domainid === domainId)).toBe(true);
    const fwId = items.find((p) => p.policytype === 'fw')!.id;
    const exId = items.find((p) => p.policytype === 'exceptions')!.id;
    const fw = await fns.getFirewallPolicy({ policyId: fwId });
    expect(fw.content).toMatchObject({ exists: true, policy: { name: 'Firewall policy' } });
    const ex = await fns.getExceptionsPolicy({ policyId: exId });
    expect(ex.content.policy?.lockedoptions).toMatchObject({ securityrisk: false });
    const onlyFw = await fns.getPolicySummary({ domainId, policyType: 'fw' });
    expect(new Set(onlyFw.content.content.map((p) => p.policytype))).toEqual(new Set(['fw']));
    const wrongKind = await fns.getExceptionsPolicy({ policyId: fwId });
    expect(wrongKind).toMatchObject({ success: true, content: { exists: false } });
  });

  it('get-critical-events', async () => {
    const out = await fns.getCriticalEvents({ includeAcknowledged: true });
    expect(out.content.criticalEventsInfoList.length).toBeGreaterThan(0);
  });
});

describe('fingerprint lists', () => {
  it('add, duplicate, get, update, assign, delete, missing', async () => {
    const domainId = sim.state.domains[0]!.id;
    const base = { name: 'intake-test', description: 'Fingerprint list intake-test', domainId };
    const add = await fns.addFingerprintList({ ...base, hash: MD5 });
    expect(add.content.created).toBe(true);
    const dup = await fns.addFingerprintList({ ...base, hash: MD5 });
    expect(dup).toMatchObject({ success: true, content: { created: false } });
    const id = add.content.id!;
    const got = await fns.getFingerprintList({ name: base.name, domainId });
    expect(got.content.list!.data).toEqual([MD5.toUpperCase()]);
    await fns.updateFingerprintList({ id, ...base, addHashes: 'A'.repeat(32) });
    await fns.updateFingerprintList({ id, ...base, removeHashes: MD5 });
    expect((await fns.getFingerprintList({ id })).content.list!.data).toEqual(['A'.repeat(32)]);
    const own = sim.state.groups.find((g) => !g.policyInheritanceEnabled && g.domainId === domainId)!;
    const assigned = await fns.assignFingerprintListToGroup({ fingerprintListId: id, groupId: own.id });
    expect(assigned.content.assigned).toBe(true);
    const again = await fns.assignFingerprintListToGroup({ fingerprintListId: id, groupId: own.id });
    expect(again).toMatchObject({ success: true, content: { assigned: false } });
    const inheriting = sim.state.groups.find((g) => g.policyInheritanceEnabled);
    if (inheriting) {
      const refused = await fns.assignFingerprintListToGroup({ fingerprintListId: id, groupId: inheriting.id });
      expect(refused).toMatchObject({ success: true, content: { assigned: false, policyInheritanceEnabled: true } });
      expect(refused.reason).toContain('inherits its policies');
    }
    expect((await fns.deleteFingerprintList({ id })).content.deleted).toBe(true);
    const gone = await fns.getFingerprintList({ id });
    expect(gone).toMatchObject({ success: true, content: { exists: false } });
    expect((await fns.deleteFingerprintList({ id })).content.deleted).toBe(false);
  });

  it('falls back to v2 for a list held in v2 format', async () => {
    const domainId = sim.state.domains[0]!.id;
    const created = await client.request<{ id: string }>('POST', '/policy-objects/fingerprints', {
      apiVersion: 'v2',
      json: { name: 'v2-list', description: 'd', domainId, data: [{ MD5: MD5, SHA256 }] },
    });
    const got = await fns.getFingerprintList({ id: created.id });
    expect(got.content).toMatchObject({ exists: true, apiVersion: 'v2' });
    const upd = await fns.updateFingerprintList({
      id: created.id,
      name: 'v2-list',
      description: 'd',
      domainId,
      addHashes: 'B'.repeat(32),
    });
    expect(upd.content).toMatchObject({ updated: true, apiVersion: 'v2' });
    expect(upd.content.data).toHaveLength(2);
    expect((await fns.deleteFingerprintList({ id: created.id })).content).toEqual({ deleted: true, apiVersion: 'v2' });
  });
});

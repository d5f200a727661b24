import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/** The remaining playbooks end to end: upload + file content, remediation, scan-row artifacts, estate tables. */

const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*');

describe('playbooks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { policy: { protected: { hosts: ['WS-0002*'], groups: [], ips: [] } } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Unprotected Windows endpoints (the estate's names come from the simulator's seed). */
  const windows = () => h.sim.state.computers.filter((c) => c.os === 'windows' && !/^WS-0002/.test(c.computerName));

  const run = async (name: string, payload: Record<string, unknown>) => {
    const job = await h.waitJob(h.queues.sep, await h.enqueue(name, payload), 30_000);
    if (job.failedReason && (await job.getState()) === 'failed') throw new Error(job.failedReason);
    return job.returnvalue as Record<string, unknown>;
  };

  it('scan → match row → upload (tracked) → file content attached; remediation of the row; artifact from the row', async () => {
    const host = windows()[0]!;
    const sha256 = createHash('sha256').update(EICAR).digest('hex');
    const path = 'C:\\Temp\\eicar.com';
    h.sim.plantFile(host.uniqueId, { path, sha256, content: EICAR });
    const incidentId = await h.newIncident([{ type: A.filePath, value: path }]);
    await run('eoc-scan-artifact', { incidentId, artifact: { type: A.filePath, value: path } });
    const match = await waitFor(async () =>
      (await h.soar.listTableRows(incidentId, SepTables.eocScanResults)).find(
        (r) => r.cells.computer_id === host.uniqueId,
      ),
    );
    expect(match.cells).toMatchObject({ file_path: path, scan_result: 'Full match', artifact_type: A.filePath });
    expect(String(match.cells.hash_value).toLowerCase()).toBe(sha256);

    await run('upload-file-playbook', { incidentId, rowId: match.id });
    const uploaded = await waitFor(async () => {
      const r = (await h.soar.listTableRows(incidentId, SepTables.eocScanResults)).find((x) => x.id === match.id);
      return r?.cells.file_upload_status === 'Completed' && r.cells.file_id ? r : undefined;
    });
    await run('get-upload-status', { incidentId, rowId: match.id });
    const attached = await run('attach-file-content', { incidentId, rowId: match.id });
    expect(attached).toMatchObject({ name: 'eicar.com', size: EICAR.length });
    const file = await h.soar.getAttachment(incidentId, attached.attachmentId as number);
    expect(file.data.equals(EICAR)).toBe(true);
    expect(uploaded.cells.upload_commandid).toMatch(/^[0-9A-F]{32}$/);

    const added = await run('add-artifact-from-scan-row', { incidentId, rowId: match.id, artifactType: A.systemName });
    expect(added).toMatchObject({ added: 1, value: host.computerName });
    const arts = await h.soar.listArtifacts(incidentId);
    expect(arts.find((a) => a.type === A.systemName)?.description).toContain("by function 'fn_sep_scan_endpoints'");

    await run('remediate-artifact', { incidentId, rowId: match.id });
    const remediated = await waitFor(async () => {
      const r = (await h.soar.listTableRows(incidentId, SepTables.eocScanResults)).find((x) => x.id === match.id);
      return String(r?.cells.remediation_status ?? '').startsWith('Completed at') ? r : undefined;
    });
    expect(remediated.cells.remediation_commandid).toMatch(/^[0-9A-F]{32}$/);
    expect(host.files.some((f) => f.path === path)).toBe(false);
    // The results file is attached after the row update (a separate write): wait for it, as a reader would.
    await waitFor(async () =>
      (await h.soar.listAttachments(incidentId)).some((a) => a.name.startsWith('Remediation_results_for_commandid_')),
    );
  });

  it('status summary, non-compliant details, groups, critical events', async () => {
    const incidentId = await h.newIncident([]);
    const s = await run('endpoints-status-summary', { incidentId });
    expect((s.summary as { total: number }).total).toBe(h.sim.state.computers.length);
    const [summary] = await h.soar.listTableRows(incidentId, SepTables.statusSummary);
    expect(summary!.cells).toMatchObject({ total: h.sim.state.computers.length });
    for (const k of ['disabled', 'hi_failed', 'non_compliant', 'offline', 'out_of_date', 'up_to_date']) {
      expect(typeof summary!.cells[k]).toBe('number');
    }
    const nc = await run('non-compliant-details', { incidentId });
    const ncRows = await h.soar.listTableRows(incidentId, SepTables.nonCompliantDetails);
    expect(ncRows.length).toBe(nc.rows);
    expect(ncRows.length).toBeGreaterThan(0);
    expect(Object.keys(ncRows[0]!.cells)).toEqual(
      expect.arrayContaining(['apOnOff', 'tamperOnOff', 'computer_name', 'host_integrity_check', 'onlineStatus']),
    );
    await run('groups-info', { incidentId });
    expect((await h.soar.listTableRows(incidentId, SepTables.groups)).length).toBe(h.sim.state.groups.length);
    const ev = await run('critical-events', { incidentId, includeAcknowledged: true });
    const evRows = await h.soar.listTableRows(incidentId, SepTables.criticalEvents);
    expect(evRows.length).toBe(ev.added);
    expect(evRows.length).toBeGreaterThan(0);
    await run('critical-events', { incidentId, includeAcknowledged: true });
    expect((await h.soar.listTableRows(incidentId, SepTables.criticalEvents)).length).toBe(evRows.length);
  });

  it('move records the previous group for undo; un-quarantine and quarantine status; lock-down only without inheritance', async () => {
    const host = windows()[1]!;
    const from = host.groupId;
    const to = h.sim.state.groups.find((g) => g.id !== from && g.domainId === host.domainId)!;
    const incidentId = await h.newIncident([]);
    const moved = await run('move-endpoint-playbook', { incidentId, computer: host.computerName, groupId: to.id });
    expect(moved).toMatchObject({ previousGroupId: from, groupId: to.id });
    expect(host.groupId).toBe(to.id);
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
    expect(notes).toContain(`groupId=${from}`);

    await run('quarantine-endpoint', { incidentId, computerId: host.uniqueId });
    await waitFor(async () => host.quarantineStatus === 1);
    await run('unquarantine-endpoint', { incidentId, computerId: host.uniqueId });
    await waitFor(async () => host.quarantineStatus !== 1);
    const st = await run('quarantine-status', { incidentId, computerId: host.uniqueId });
    expect(st.status).toBe('Un-Quarantined');

    await run('add-hash-to-blacklist', { incidentId, hash: 'AA'.repeat(32) });
    const inheriting = h.sim.state.groups.find((g) => g.policyInheritanceEnabled)!;
    await expect(run('assign-blacklist-to-lockdown-group', { incidentId, groupId: inheriting.id })).rejects.toThrow(
      /policy inheritance/,
    );
    // The root group reaches the protected WS-0002* hosts: a lock-down there is refused as a whole.
    const main = h.sim.state.domains.find((d) => d.name === 'Default')!;
    const root = h.sim.state.groups.find((g) => g.fullPathName === 'My Company' && g.domainId === main.id)!;
    await expect(run('assign-blacklist-to-lockdown-group', { incidentId, groupId: root.id })).rejects.toThrow(
      /POLICY_PROTECTED_IN_GROUP.*WS-0002/,
    );
    const own = h.sim.state.groups.find((g) => !g.policyInheritanceEnabled && g.id !== root.id)!;
    const assigned = await run('assign-blacklist-to-lockdown-group', { incidentId, groupId: own.id });
    expect(assigned).toMatchObject({ assigned: true });
  });

  it('raw SEP function jobs return the function result and pass the same containment gate', async () => {
    const domains = await run('get-domains', {});
    expect(domains).toMatchObject({ success: true });
    expect((domains.content as unknown[]).length).toBe(h.sim.state.domains.length);
    const guarded = h.sim.state.computers.find((c) => /^WS-0002/.test(c.computerName))!;
    await expect(run('quarantine-endpoints', { computerIds: guarded.uniqueId })).rejects.toThrow(/POLICY_DENIED/);
    expect(guarded.quarantineStatus).not.toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TableRow } from '../../src/soar/port.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/**
 * The fn_sep behaviours issue 12 found missing, on a 2,000-endpoint simulated estate: scan rows carry the
 * artifact id, endpoint details from a scan row, one CSV per command however often its results are read (and the
 * raw get-command-status attaching it), delete-hash deleting the emptied list, group_ids after a lock-down.
 */

const ESTATE = 2000;
const SHA = '5d41402abc4b2a76b9719d911017c592'.repeat(2);
const LIMIT = 2;

describe('fn_sep gaps on a 2,000-endpoint estate', () => {
  let h: Harness;
  let incidentId: number;
  let artifactId: number;
  /** The scan command: five copies on three hosts, over the results limit, so a CSV. */
  let csvCommand: string;
  let match: TableRow;

  const run = async (name: string, payload: Record<string, unknown>) => {
    const job = await h.waitJob(h.queues.sep, await h.enqueue(name, payload), 60_000);
    if ((await job.getState()) === 'failed') throw new Error(job.failedReason);
    return job.returnvalue as Record<string, unknown>;
  };
  const scanRows = () => h.soar.listTableRows(incidentId, SepTables.eocScanResults);
  const csvs = async (id: number, command: string) =>
    (await h.soar.listAttachments(id)).filter((a) => a.name.startsWith(`EOC_scan_results_for_commandid_${command}_`));

  beforeAll(async () => {
    h = await startHarness({ sim: { computers: ESTATE }, config: { sepm: { resultsLimit: LIMIT } } });
    const hosts = h.sim.state.computers.filter((c) => c.os === 'windows');
    // Matches spread over the estate; the middle host has three copies, more than the results limit.
    for (const [i, copies] of [
      [Math.floor(hosts.length * 0.1), 1],
      [Math.floor(hosts.length * 0.5), 3],
      [hosts.length - 1, 1],
    ] as const) {
      for (let k = 0; k < copies; k++)
        h.sim.plantFile(hosts[i]!.uniqueId, { path: `C:\\Temp\\drop${k}.exe`, sha256: SHA });
    }
    incidentId = await h.newIncident([{ type: A.sha256, value: SHA }]);
    artifactId = (await h.soar.listArtifacts(incidentId))[0]!.id;
    // As the incident-ready hand-off does: artifacts by type and value, no ids.
    await run('auto-enrich', { incidentId, artifacts: [{ type: A.sha256, value: SHA }] });
    // One estate-wide command (a scan is one operation): rows = the results limit, the CSV holds every match.
    const matches = await waitFor(async () => {
      const rows = await scanRows();
      const done = rows.some((r) => !r.cells.computer_id && r.cells.scan_command_state !== 'In progress');
      const found = rows.filter((r) => r.cells.computer_id);
      return done && found.length >= LIMIT ? found : undefined;
    }, 90_000);
    match = matches[0]!;
    csvCommand = String(match.cells.scan_commandid);
    await waitFor(async () => ((await csvs(incidentId, csvCommand)).length > 0 ? true : undefined), 30_000);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('automatic scan rows (query and match rows) carry the artifact id', async () => {
    const rows = await scanRows();
    expect(rows.length).toBe(1 + LIMIT);
    expect(rows.map((r) => r.cells.artifact_id)).toEqual(rows.map(() => artifactId));
  });

  it('endpoint details from a scan row: the row computer by its SEPM id; a query row is refused', async () => {
    const out = await run('endpoint-details-from-scan-row', { incidentId, rowId: match.id });
    expect(out).toMatchObject({ found: 1 });
    const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
    const row = rows.find((r) => r.cells.uniqueId === match.cells.computer_id)!;
    expect(row.cells.computerName).toBe(match.cells.computer_name);
    expect(row.cells.sep_description).toContain(`scan-result row ${match.id}`);
    const query = (await scanRows()).find((r) => !r.cells.computer_id)!;
    await expect(run('endpoint-details-from-scan-row', { incidentId, rowId: query.id })).rejects.toThrow(
      /names no computer/,
    );
  });

  it('re-running get-scan-results does not attach a second copy of the same CSV', async () => {
    expect(await csvs(incidentId, csvCommand)).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      // The CSV name carries a timestamp to the second: a later read gets another name.
      await new Promise((r) => setTimeout(r, 1100));
      await run('get-scan-results', { incidentId, commandId: csvCommand });
    }
    expect(await csvs(incidentId, csvCommand)).toHaveLength(1);
  });

  it('raw get-command-status with incidentId attaches its CSV to that incident, once', async () => {
    const other = await h.newIncident([]);
    const input = { commandId: csvCommand, statusType: 'scan', incidentId: other, resultsLimit: LIMIT };
    const first = await run('get-command-status', input);
    expect(first).toMatchObject({ success: true, attachment: { attached: true } });
    const files = await csvs(other, csvCommand);
    expect(files).toHaveLength(1);
    const data = (await h.soar.getAttachment(other, files[0]!.id)).data.toString('utf8');
    expect(data.split('\n').filter((l) => l.includes('drop'))).toHaveLength(5);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await run('get-command-status', input)).toMatchObject({ attachment: { attached: false } });
    expect(await csvs(other, csvCommand)).toHaveLength(1);
    const noIncident = await run('get-command-status', { commandId: csvCommand, statusType: 'scan' });
    expect(noIncident.attachment).toBeUndefined();
  });

  const listName = () => h.config.enrich.blacklistName;
  const lists = () => [...h.sim.state.fingerprintLists.values()].filter((l) => l.name === listName());
  const listRow = async (id: number, listId: string) =>
    (await h.soar.listTableRows(id, SepTables.fingerprintLists)).find((r) => r.cells.list_id === listId)!;

  it('a lock-down assignment refreshes the list row: group_ids names the group', async () => {
    const id = await h.newIncident([]);
    await run('add-hash-to-blacklist', { incidentId: id, hash: SHA });
    const listId = lists()[0]!.id;
    expect((await listRow(id, listId)).cells.group_ids).toBe('');
    const root = h.sim.state.groups.find((g) => g.parentId === null)!;
    const own = h.sim.state.groups.find((g) => !g.policyInheritanceEnabled && g.id !== root.id)!;
    await run('assign-blacklist-to-lockdown-group', { incidentId: id, groupId: own.id });
    expect(String((await listRow(id, listId)).cells.group_ids).split(', ')).toContain(own.id);
  });

  it('delete-hash deletes the list with its last hash (fn_sep); enrich.keepEmptyBlacklist keeps it', async () => {
    const id = await h.newIncident([]);
    await run('add-hash-to-blacklist', { incidentId: id, hash: SHA });
    const listId = lists()[0]!.id;
    const removed = await run('delete-hash-from-blacklist', { incidentId: id, hash: SHA });
    expect(removed).toMatchObject({ removed: true, listDeleted: true });
    expect(lists()).toHaveLength(0);
    expect((await listRow(id, listId)).cells).toMatchObject({ hash_values: '', group_ids: '' });
    const notes = (await h.soar.listNotes(id)).map((n) => n.text).join('\n');
    expect(notes).toContain('it was the last hash, so the list');

    // The worker reads the config it was started with; the harness hands it this object.
    h.config.enrich.keepEmptyBlacklist = true;
    try {
      await run('add-hash-to-blacklist', { incidentId: id, hash: SHA });
      expect(await run('delete-hash-from-blacklist', { incidentId: id, hash: SHA })).toMatchObject({
        listDeleted: false,
      });
      expect(lists().map((l) => l.data)).toEqual([[]]);
    } finally {
      h.config.enrich.keepEmptyBlacklist = false;
    }
  });
});

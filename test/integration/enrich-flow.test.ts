import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/** From the incident-ready queue onward: automatic enrichment, EOC scan tracking, match rows and CSV. */

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('enrichment flow (SEPM sim + embedded store + Redis)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { sepm: { resultsLimit: 3 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('incident-ready → endpoint-details rows and an EOC scan tracked to completion into match rows', async () => {
    const [victim, other] = h.sim.state.computers.filter((c) => c.os === 'windows');
    const hash = sha('dropper-1');
    const path = 'C:\\Users\\bob\\AppData\\Local\\Temp\\dropper.exe';
    h.sim.plantFile(victim!.uniqueId, { path, sha256: hash });
    h.sim.plantFile(other!.uniqueId, { path: 'D:\\copy\\dropper.exe', sha256: hash });
    const artifacts = [
      { type: A.systemName, value: victim!.computerName },
      { type: A.sha256, value: hash },
    ];
    const incidentId = await h.newIncident(artifacts);
    await h.queues.incidentReady.add('incident', {
      incidentId,
      outcome: 'created',
      dedupKey: 'k1',
      events: [],
      artifacts,
      senderVerdict: 'untrusted',
      messageId: '<m1@test>',
    });

    const details = await waitFor(async () => {
      const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
      return rows.length ? rows : undefined;
    });
    expect(details[0]!.cells).toMatchObject({
      computerName: victim!.computerName,
      uniqueId: victim!.uniqueId,
      hardwareKey: victim!.hardwareKey,
      infected: expect.stringMatching(/^(Yes|No)$/),
    });

    const query = await waitFor(async () => {
      const rows = await h.soar.listTableRows(incidentId, SepTables.eocScanResults);
      const q = rows.find((r) => r.cells.computer_id == null);
      return q?.cells.scan_command_state === 'Completed' ? q : undefined;
    });
    expect(query.cells.scan_result).toBe('Query');
    const rows = await h.soar.listTableRows(incidentId, SepTables.eocScanResults);
    const matches = rows.filter((r) => r.cells.computer_id);
    expect(matches.map((r) => r.cells.computer_name).sort()).toEqual(
      [victim!.computerName, other!.computerName].sort(),
    );
    for (const m of matches) {
      expect(m.cells).toMatchObject({
        artifact_type: A.sha256,
        artifact_value: hash,
        scan_commandid: query.cells.scan_commandid,
        scan_type: 'QUICK',
        scan_command_state: 'Completed',
      });
      expect(['Hash match', 'Full match']).toContain(m.cells.scan_result);
    }
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text);
    const total = h.sim.state.computers.length;
    expect(notes.some((t) => t.includes(`Completed on ${total} of ${total} endpoints`))).toBe(true);
    // Blacklist lookup ran too (read-only): the list does not exist yet.
    await waitFor(async () => (await h.soar.listNotes(incidentId)).some((n) => n.text.includes('does not exist')));
  });

  it('more matches than the limit → rows up to the limit plus a CSV holding all of them', async () => {
    const hash = sha('worm-everywhere');
    const hosts = h.sim.state.computers.filter((c) => c.os === 'windows').slice(0, 5);
    for (const [i, c] of hosts.entries()) h.sim.plantFile(c.uniqueId, { path: `C:\\w\\worm${i}.exe`, sha256: hash });
    const incidentId = await h.newIncident([{ type: A.sha256, value: hash }]);
    const jobId = await h.enqueue('eoc-scan-artifact', { incidentId, artifact: { type: A.sha256, value: hash } });
    const job = await h.waitJob(h.queues.sep, jobId);
    expect(job.failedReason).toBeUndefined();

    const query = await waitFor(async () => {
      const rows = await h.soar.listTableRows(incidentId, SepTables.eocScanResults);
      return rows.find((r) => r.cells.scan_result === 'Query: Matches over limit see note/attachment.');
    });
    const matches = (await h.soar.listTableRows(incidentId, SepTables.eocScanResults)).filter(
      (r) => r.cells.computer_id,
    );
    expect(matches).toHaveLength(3);
    expect(query.cells.scan_command_state).toBe('Completed');
    const atts = await h.soar.listAttachments(incidentId);
    expect(atts).toHaveLength(1);
    expect(atts[0]!.name).toMatch(/^EOC_scan_results_for_commandid_[0-9A-F]+_\d{14}\.csv$/);
    const csv = (await h.soar.getAttachment(incidentId, atts[0]!.id)).data.toString('utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[1]).toBe('Computer name,Computer id,Artifact type,Artifact value,File path,Hash value');
    const dataLines = lines.slice(2);
    expect(dataLines.length).toBeGreaterThanOrEqual(5);
    for (const c of hosts) expect(csv).toContain(c.uniqueId);
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
    expect(notes).toContain(atts[0]!.name);
  });
});

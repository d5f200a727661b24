import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/**
 * A scan is one operation on a real-size estate (2,000 endpoints): one SEPM command for the whole estate, one
 * Query row, the results limit over all matches, one CSV with every match, one note; an outbreak shares one scan;
 * remediation reaches only the endpoints that matched.
 */

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ESTATE = 2000;

function eocCommands(h: Harness): string[] {
  return [...h.sim.state.commands.values()].filter((c) => c.kind === 'eoc').map((c) => c.id);
}

async function queryRow(h: Harness, incidentId: number) {
  return waitFor(async () => {
    const rows = await h.soar.listTableRows(incidentId, SepTables.eocScanResults);
    const q = rows.filter((r) => r.cells.computer_id == null);
    return q.length > 0 && q.every((r) => r.cells.scan_command_state !== 'In progress') ? q : undefined;
  }, 60_000);
}

describe('EOC scan over a 2,000-endpoint estate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ sim: { computers: ESTATE }, config: { sepm: { resultsLimit: 5 } } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('matches spread over the estate: one command, rows = limit, CSV = every match, one note', async () => {
    const hash = sha('spread-worm');
    const victims = h.sim.state.computers.filter((_, i) => i % 97 === 5);
    for (const [i, c] of victims.entries()) h.sim.plantFile(c.uniqueId, { path: `C:\\w${i}\\worm.exe`, sha256: hash });
    const before = eocCommands(h).length;
    const computersRead = h.sim.state.stats.requests['GET /computers'] ?? 0;
    const incidentId = await h.newIncident([{ type: A.sha256, value: hash }]);
    await h.waitJob(
      h.queues.sep,
      await h.enqueue('eoc-scan-artifact', { incidentId, artifact: { type: A.sha256, value: hash } }),
    );

    const [query, ...more] = await queryRow(h, incidentId);
    expect(more).toHaveLength(0);
    expect(eocCommands(h).length - before).toBe(1);
    // Starting never read a computer record.
    expect(h.sim.state.stats.requests['GET /computers'] ?? 0).toBe(computersRead);
    const command = h.sim.state.commands.get(String(query!.cells.scan_commandid))!;
    expect(command.entries).toHaveLength(ESTATE);
    expect(query!.cells).toMatchObject({
      scan_command_state: 'Completed',
      scan_result: 'Query: Matches over limit see note/attachment.',
    });

    const rows = await h.soar.listTableRows(incidentId, SepTables.eocScanResults);
    expect(rows.filter((r) => r.cells.computer_id)).toHaveLength(5);
    const csvs = (await h.soar.listAttachments(incidentId)).filter((a) => a.name.startsWith('EOC_scan_results'));
    expect(csvs).toHaveLength(1);
    const content = (await h.soar.getAttachment(incidentId, csvs[0]!.id)).data.toString('utf8').trim().split('\n');
    expect(content).toHaveLength(2 + victims.length);
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).filter((t) => t.includes('Completed on'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`Completed on ${ESTATE} of ${ESTATE} endpoints`);
    expect(notes[0]).toContain(`Matches: ${victims.length} on ${victims.length} endpoint(s).`);
  }, 90_000);

  it('two mails of one alert one second apart start one scan; each incident gets its rows and note', async () => {
    const hash = sha('outbreak');
    const victims = h.sim.state.computers.filter((_, i) => i % 401 === 7);
    for (const c of victims) h.sim.plantFile(c.uniqueId, { path: 'C:\\Temp\\outbreak.exe', sha256: hash });
    const before = eocCommands(h).length;
    const artifact = { type: A.sha256, value: hash };
    const a = await h.newIncident([artifact]);
    const b = await h.newIncident([artifact]);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId: a, artifact }));
    await new Promise((r) => setTimeout(r, 1000));
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId: b, artifact }, 'auto'));
    const [qa] = await queryRow(h, a);
    const [qb] = await queryRow(h, b);
    expect(eocCommands(h).length - before).toBe(1);
    expect(qb!.cells.scan_commandid).toBe(qa!.cells.scan_commandid);
    for (const id of [a, b]) {
      const rows = await h.soar.listTableRows(id, SepTables.eocScanResults);
      expect(
        rows
          .filter((r) => r.cells.computer_id)
          .map((r) => r.cells.computer_id)
          .sort(),
      ).toEqual(victims.map((c) => c.uniqueId).sort());
      const notes = (await h.soar.listNotes(id)).map((n) => n.text);
      expect(notes.filter((t) => t.includes('Completed on'))).toHaveLength(1);
    }
    expect(
      (await h.soar.listNotes(b)).some((n) => n.text.includes(`started`) && n.text.includes(`incident ${a}`)),
    ).toBe(true);
  }, 90_000);

  it('an explicit request after the shared scan finished starts a new scan; automatic work joins the old one', async () => {
    const hash = sha('rescan');
    const victim = h.sim.state.computers[11]!;
    h.sim.plantFile(victim.uniqueId, { path: 'C:\\Temp\\rescan.exe', sha256: hash });
    const artifact = { type: A.sha256, value: hash };
    const a = await h.newIncident([artifact]);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId: a, artifact }));
    await queryRow(h, a);
    const before = eocCommands(h).length;
    const b = await h.newIncident([artifact]);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId: b, artifact }, 'auto'));
    expect(eocCommands(h).length).toBe(before);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId: a, artifact }));
    expect(eocCommands(h).length).toBe(before + 1);
    const queries = await waitFor(async () => {
      const q = (await h.soar.listTableRows(a, SepTables.eocScanResults)).filter((r) => r.cells.computer_id == null);
      return q.length === 2 && q.every((r) => r.cells.scan_command_state !== 'In progress') ? q : undefined;
    }, 60_000);
    expect(new Set(queries.map((r) => r.cells.scan_commandid)).size).toBe(2);
  }, 120_000);

  it('remediation "on all matching endpoints" targets only the endpoints that matched', async () => {
    const hash = sha('remediate-me');
    const victims = h.sim.state.computers.filter((c, i) => c.os === 'windows' && i % 331 === 3).slice(0, 4);
    for (const c of victims) h.sim.plantFile(c.uniqueId, { path: 'C:\\Temp\\bad.exe', sha256: hash });
    const artifact = { type: A.sha256, value: hash };
    const incidentId = await h.newIncident([artifact]);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId, artifact }));
    await queryRow(h, incidentId);
    const before = new Set(eocCommands(h));
    const job = await h.waitJob(h.queues.sep, await h.enqueue('remediate-artifact', { incidentId, artifact }));
    expect(job.failedReason).toBeUndefined();
    const created = eocCommands(h).filter((id) => !before.has(id));
    const targeted = created.flatMap((id) => h.sim.state.commands.get(id)!.entries.map((e) => e.computer.uniqueId));
    expect(targeted.sort()).toEqual(victims.map((c) => c.uniqueId).sort());
  }, 90_000);
});

describe('tracking truth on a 2,000-endpoint estate (sepm.scanTimeoutSec 1)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ sim: { computers: ESTATE }, config: { sepm: { scanTimeoutSec: 1 } } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('get-scan-results after Timedout stays Timedout (the real start, not now)', async () => {
    const offline = h.sim.state.computers[1234]!;
    offline.onlineStatus = 0;
    const artifact = { type: A.sha256, value: sha('never-done') };
    const incidentId = await h.newIncident([artifact]);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId, artifact }));
    const [query] = await queryRow(h, incidentId);
    expect(query!.cells.scan_command_state).toBe('Timedout');
    const commandId = String(query!.cells.scan_commandid);
    await h.waitJob(h.queues.sep, await h.enqueue('get-scan-results', { incidentId, commandId }));
    const [again] = (await h.soar.listTableRows(incidentId, SepTables.eocScanResults)).filter(
      (r) => r.cells.computer_id == null,
    );
    expect(again!.cells.scan_command_state).toBe('Timedout');
  }, 90_000);

  it('the timeout passing during a poll still writes every match, not the first page', async () => {
    const hash = sha('slow-page');
    const victims = h.sim.state.computers.filter((c, i) => c.onlineStatus === 1 && i % 250 === 11);
    for (const c of victims) h.sim.plantFile(c.uniqueId, { path: 'C:\\Temp\\slow.exe', sha256: hash });
    // One endpoint offline (an earlier test may have left one): the scan can only end in Timedout.
    if (!h.sim.state.computers.some((c) => c.onlineStatus === 0)) h.sim.state.computers[3]!.onlineStatus = 0;
    // The first status read outlasts sepm.scanTimeoutSec (1 s).
    h.sim.faults.add({ route: 'GET /command-queue/*', kind: 'latency', delayMs: 1500, times: 1 });
    const artifact = { type: A.sha256, value: hash };
    const incidentId = await h.newIncident([artifact]);
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId, artifact }));
    const [query] = await queryRow(h, incidentId);
    expect(query!.cells.scan_command_state).toBe('Timedout');
    const rows = await h.soar.listTableRows(incidentId, SepTables.eocScanResults);
    expect(rows.filter((r) => r.cells.computer_id)).toHaveLength(victims.length);
  }, 90_000);

  it('closing the incident after Timedout cancels all its pending commands in SEPM at once, one note', async () => {
    const offline = h.sim.state.computers.find((c) => c.os === 'windows' && c.onlineStatus === 1)!;
    offline.onlineStatus = 0;
    const artifact = { type: A.sha256, value: sha('closed-case') };
    const incidentId = await h.newIncident([artifact]);
    const q = await h.waitJob(
      h.queues.sep,
      await h.enqueue('quarantine-endpoint', { incidentId, computer: offline.computerName }),
    );
    const quarantineId = (q.returnvalue as { commandId: string }).commandId;
    await h.waitJob(h.queues.sep, await h.enqueue('eoc-scan-artifact', { incidentId, artifact }));
    const [query] = await queryRow(h, incidentId);
    const scanId = String(query!.cells.scan_commandid);
    await waitFor(async () => {
      const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
      return rows[0]?.cells.quarantine_command_state === 'Timedout';
    }, 15_000);
    expect(query!.cells.scan_command_state).toBe('Timedout');
    await h.soar.closeIncident(incidentId, 'Resolved', 'false positive');
    // What the review UI queues when it closes an incident.
    const job = await h.waitJob(h.queues.sep, await h.enqueue('cancel-incident-commands', { incidentId }));
    expect(job.failedReason).toBeUndefined();
    const pendingOf = (id: string) => h.sim.state.commands.get(id)!.entries.filter((e) => e.computer === offline);
    expect(pendingOf(quarantineId).map((e) => e.forcedStateId)).toEqual([5]);
    expect(pendingOf(scanId).map((e) => e.forcedStateId)).toEqual([5]);
    const notes = (await h.soar.listNotes(incidentId))
      .map((n) => n.text)
      .filter((t) => t.startsWith('Incident closed'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`pending SEPM quarantine command ${quarantineId} canceled`);
    expect(notes[0]).toContain(`pending SEPM scan command ${scanId} canceled`);
    const [row] = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
    expect(row!.cells.quarantine_command_state).toBe('Canceled (incident closed)');
  }, 90_000);
});

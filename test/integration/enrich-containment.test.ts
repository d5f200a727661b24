import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/** Containment jobs: quarantine tracked to completion, blacklist round trip, the policy gate for automation. */

describe('containment jobs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      config: {
        policy: {
          actions: { quarantine: { auto: true, hourlyCap: 5 }, blacklist: { auto: true, hourlyCap: 5 } },
          protected: { hosts: ['WS-0002*'], groups: [], ips: [] },
        },
        senderAuth: {},
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const windows = () => h.sim.state.computers.filter((c) => c.os === 'windows' && !/^WS-0002/.test(c.computerName));

  it('quarantine job: state column In progress → Completed, endpoint shows Quarantined, audit note with undo', async () => {
    const target = windows()[2]!;
    const incidentId = await h.newIncident([{ type: A.systemName, value: target.computerName }]);
    const jobId = await h.enqueue('quarantine-endpoint', { incidentId, computer: target.computerName });
    const seen = new Set<string>();
    const row = await waitFor(async () => {
      const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
      const r = rows.find((x) => x.cells.uniqueId === target.uniqueId);
      if (r?.cells.quarantine_command_state) seen.add(String(r.cells.quarantine_command_state));
      return r?.cells.quarantine_command_state === 'Completed' && r.cells.endpoint_quarantine_status ? r : undefined;
    });
    expect(seen.has('In progress')).toBe(true);
    expect(row.cells.endpoint_quarantine_status).toBe('Quarantined');
    expect(row.cells.quarantine_commandid).toMatch(/^[0-9A-F]{32}$/);
    expect(target.quarantineStatus).toBe(1);
    const job = await h.waitJob(h.queues.sep, jobId);
    expect(job.returnvalue).toMatchObject({ commandId: row.cells.quarantine_commandid });
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
    expect(notes).toContain('Undo: run quarantine-endpoints with undo=true');
    expect(notes).toContain('Completed on 1 of 1 endpoints');
  });

  it('blacklist add / already present / delete hash / delete list round trip', async () => {
    const hash = 'AB'.repeat(32);
    const incidentId = await h.newIncident([{ type: A.sha256, value: hash }]);
    const add = await h.waitJob(
      h.queues.sep,
      await h.enqueue('add-hash-to-blacklist', { incidentId, hash: hash.toLowerCase() }),
    );
    expect(add.returnvalue).toMatchObject({ outcome: 'created' });
    const lists = () => [...h.sim.state.fingerprintLists.values()];
    const list = lists().find((l) => l.name === 'sepm-intake-blacklist');
    expect(JSON.stringify(list?.data).toUpperCase()).toContain(hash);

    const again = await h.waitJob(h.queues.sep, await h.enqueue('add-hash-to-blacklist', { incidentId, hash }));
    expect(again.returnvalue).toMatchObject({ outcome: 'already present' });
    const sha2 = 'CD'.repeat(32);
    const second = await h.waitJob(h.queues.sep, await h.enqueue('add-hash-to-blacklist', { incidentId, hash: sha2 }));
    expect(second.failedReason).toBeUndefined();
    expect(second.returnvalue).toMatchObject({ outcome: 'added' });
    // MD5 goes to its own managed list (a v1 list holds one hash type).
    const md5 = '12'.repeat(16);
    const third = await h.waitJob(h.queues.sep, await h.enqueue('add-hash-to-blacklist', { incidentId, hash: md5 }));
    expect(third.returnvalue).toMatchObject({ outcome: 'created' });
    expect(
      lists()
        .find((l) => l.name === 'sepm-intake-blacklist-md5')
        ?.data.map(String),
    ).toEqual([md5]);

    const info = await h.waitJob(h.queues.sep, await h.enqueue('blacklist-info', { incidentId, hash: sha2 }));
    expect(info.returnvalue).toMatchObject({ exists: true, present: true });
    const rows = await h.soar.listTableRows(incidentId, SepTables.fingerprintLists);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => String(r.cells.hash_values)).join(' ')).toContain(sha2);

    const del = await h.waitJob(h.queues.sep, await h.enqueue('delete-hash-from-blacklist', { incidentId, hash }));
    expect(del.returnvalue).toMatchObject({ removed: true });
    const after = lists().find((l) => l.name === 'sepm-intake-blacklist');
    expect(JSON.stringify(after?.data).toUpperCase()).not.toContain(hash);
    expect(JSON.stringify(after?.data).toUpperCase()).toContain(sha2);

    const drop = await h.waitJob(h.queues.sep, await h.enqueue('delete-blacklist', { incidentId }));
    expect(drop.returnvalue).toMatchObject({ deleted: true });
    expect(lists().some((l) => l.name.startsWith('sepm-intake-blacklist'))).toBe(false);
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
    expect(notes).toContain('Undo: run delete-hash-from-blacklist');
  });

  it('an untrusted-sender incident never causes a containment action, even with the policy enabled', async () => {
    const target = windows()[3]!;
    const hash = 'EF'.repeat(32);
    const artifacts = [
      { type: A.systemName, value: target.computerName },
      { type: A.sha256, value: hash },
    ];
    const commandsBefore = [...h.sim.state.commands.values()].filter((c) => c.kind === 'quarantine').length;
    const incidentId = await h.newIncident(artifacts);
    const job = await h.queues.incidentReady.add('incident', { incidentId, artifacts, senderVerdict: 'untrusted' });
    const done = await h.waitJob(h.queues.incidentReady, job.id!);
    expect(done.failedReason).toBeUndefined();
    expect(done.returnvalue.skipped.join('\n')).toMatch(/quarantine of .*not trusted/);
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
    expect(notes).toContain('Automatic containment not taken');
    // A forged "automatic" job from the dashboard is refused by the worker-side gate as well.
    const forged = await h.enqueue(
      'quarantine-endpoint',
      { incidentId, computer: target.computerName, senderVerdict: 'untrusted' },
      'auto',
    );
    const failed = await h.waitJob(h.queues.sep, forged);
    expect(failed.failedReason).toMatch(/POLICY_DENIED/);
    expect(failed.attemptsMade).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    const commandsAfter = [...h.sim.state.commands.values()].filter((c) => c.kind === 'quarantine').length;
    expect(commandsAfter).toBe(commandsBefore);
    expect(
      [...h.sim.state.fingerprintLists.values()].some((l) => JSON.stringify(l.data).toUpperCase().includes(hash)),
    ).toBe(false);
  });

  it('a trusted-sender incident does trigger the enabled containment (positive control), protected hosts never', async () => {
    const target = windows()[4]!;
    const artifacts = [{ type: A.systemName, value: target.computerName }];
    const incidentId = await h.newIncident(artifacts);
    const jobId = `ready-${incidentId}`;
    await h.queues.incidentReady.add(
      'incident',
      await h.seal('incident', jobId, { incidentId, artifacts, senderVerdict: 'trusted' }),
      { jobId },
    );
    await waitFor(async () => target.quarantineStatus === 1);
    const notes = await waitFor(async () => {
      const text = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
      return text.includes('By: policy (automatic)') ? text : undefined;
    });
    expect(notes).toContain('Undo:');

    const dc = await h.newIncident([]);
    const refused = await h.waitJob(
      h.queues.sep,
      await h.enqueue('quarantine-endpoint', { incidentId: dc, computer: 'DC-01' }),
    );
    expect(refused.failedReason).toMatch(/protected|no SEPM computer/);
  });
  it('closing the incident cancels its pending command and stops the tracking', async () => {
    const offline = windows()[6]!;
    offline.onlineStatus = 0;
    try {
      const incidentId = await h.newIncident([]);
      const job = await h.waitJob(
        h.queues.sep,
        await h.enqueue('quarantine-endpoint', { incidentId, computer: offline.computerName }),
      );
      const commandId = (job.returnvalue as { commandId: string }).commandId;
      await h.soar.closeIncident(incidentId, 'Resolved', 'false positive');
      const row = await waitFor(async () => {
        const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
        return rows[0]?.cells.quarantine_command_state === 'Canceled (incident closed)' ? rows[0] : undefined;
      }, 15_000);
      expect(row.cells.quarantine_commandid).toBe(commandId);
      expect(h.sim.state.commands.get(commandId)?.entries.every((e) => e.forcedStateId === 5)).toBe(true);
      const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
      expect(notes).toContain(`pending SEPM quarantine command ${commandId} canceled`);
    } finally {
      offline.onlineStatus = 1;
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/** Hourly caps shared through Redis and dry run, as seen from the incident-ready queue. */

describe('containment policy limits', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const quarantineCommands = (x: Harness) => [...x.sim.state.commands.values()].filter((c) => c.kind === 'quarantine');

  it('the hourly cap stops automatic quarantines beyond it, with a note saying so', async () => {
    h = await startHarness({ config: { policy: { actions: { quarantine: { auto: true, hourlyCap: 1 } } } } });
    const hosts = h.sim.state.computers.filter((c) => c.os === 'windows').slice(0, 2);
    const ids: number[] = [];
    for (const c of hosts) {
      const artifacts = [{ type: A.systemName, value: c.computerName }];
      const incidentId = await h.newIncident(artifacts);
      ids.push(incidentId);
      const jobId = `ready-${incidentId}`;
      const data = await h.seal('incident', jobId, { incidentId, artifacts, senderVerdict: 'trusted' });
      await h.queues.incidentReady.add('incident', data, { jobId });
      await waitFor(async () => (await h!.soar.listNotes(incidentId)).some((n) => /quarantine/i.test(n.text)));
    }
    const refusedNote = await waitFor(async () => {
      const notes = (await h!.soar.listNotes(ids[1]!)).map((n) => n.text).join('\n');
      return notes.includes('hourly cap') ? notes : undefined;
    });
    expect(refusedNote).toContain('Containment refused');
    expect(quarantineCommands(h)).toHaveLength(1);
  });

  it('dry run writes the audit note and sends nothing to SEPM', async () => {
    h = await startHarness({
      config: { policy: { dryRun: true, actions: { quarantine: { auto: true, hourlyCap: 5 } } } },
    });
    const host = h.sim.state.computers.find((c) => c.os === 'windows')!;
    const incidentId = await h.newIncident([]);
    const job = await h.waitJob(
      h.queues.sep,
      await h.enqueue('quarantine-endpoint', { incidentId, computer: host.computerName }),
    );
    expect(job.returnvalue).toMatchObject({ dryRun: true });
    const notes = (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');
    expect(notes).toContain('DRY RUN of quarantine');
    expect(quarantineCommands(h)).toHaveLength(0);
  });
});

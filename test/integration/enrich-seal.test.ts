import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/**
 * The automation seal as seen from the queues: job data written straight to Redis (the Bull Board "add job")
 * cannot claim `requestedBy: auto` / `senderVerdict: trusted`; the worker's own sealed requests still automate.
 */

describe('automation seal', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      config: { policy: { actions: { quarantine: { auto: true, hourlyCap: 10 }, blacklist: { auto: true } } } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const unused = (() => {
    const taken = new Set<string>();
    return () => {
      const c = h.sim.state.computers.find(
        (x) => x.os === 'windows' && x.quarantineStatus !== 1 && !taken.has(x.uniqueId),
      );
      taken.add(c!.uniqueId);
      return c!;
    };
  })();
  const quarantinePosts = () =>
    Object.entries(h.sim.state.stats.requests)
      .filter(([k]) => k.startsWith('POST') && k.includes('/command-queue/quarantine'))
      .reduce((n, [, v]) => n + v, 0);
  const notes = async (incidentId: number) => (await h.soar.listNotes(incidentId)).map((n) => n.text).join('\n');

  it('a hand-added quarantine job claiming auto + trusted is refused, with a note, and nothing reaches SEPM', async () => {
    const target = unused();
    const incidentId = await h.newIncident([{ type: A.systemName, value: target.computerName }]);
    const posts = quarantinePosts();
    const forged = { incidentId, computer: target.computerName, requestedBy: 'auto', senderVerdict: 'trusted' };
    const job = await h.queues.sep.add('quarantine-endpoint', forged);
    const done = await h.waitJob(h.queues.sep, job.id!);
    expect(done.failedReason).toMatch(/POLICY_DENIED/);
    expect(done.attemptsMade).toBe(1);
    const text = await notes(incidentId);
    expect(text).toContain('Containment refused: quarantine');
    expect(text).toContain("without the worker's seal");
    expect(text).toContain('(analyst request)');
    expect(quarantinePosts()).toBe(posts);
    expect(target.quarantineStatus).not.toBe(1);
  });

  it('a seal copied onto another target does not verify', async () => {
    const [sealedFor, other] = [unused(), unused()];
    const incidentId = await h.newIncident([]);
    const jobId = `seal-copy-${incidentId}`;
    const sealed = await h.seal('quarantine-endpoint', jobId, {
      incidentId,
      computer: sealedFor.computerName,
      requestedBy: 'auto',
      senderVerdict: 'trusted',
    });
    const posts = quarantinePosts();
    const job = await h.queues.sep.add('quarantine-endpoint', { ...sealed, computer: other.computerName }, { jobId });
    const done = await h.waitJob(h.queues.sep, job.id!);
    expect(done.failedReason).toMatch(/POLICY_DENIED/);
    expect(await notes(incidentId)).toContain("without the worker's seal");
    expect(quarantinePosts()).toBe(posts);
    expect(other.quarantineStatus).not.toBe(1);
  });

  it('an incident-ready job claiming a trusted sender without the seal causes no containment', async () => {
    const target = unused();
    const hash = 'CD'.repeat(32);
    const artifacts = [
      { type: A.systemName, value: target.computerName },
      { type: A.sha256, value: hash },
    ];
    const incidentId = await h.newIncident(artifacts);
    const posts = quarantinePosts();
    const job = await h.queues.incidentReady.add('incident', { incidentId, artifacts, senderVerdict: 'trusted' });
    const done = await h.waitJob(h.queues.incidentReady, job.id!);
    expect(done.failedReason).toBeUndefined();
    expect(done.returnvalue.skipped.join('\n')).toMatch(/quarantine of .*not trusted/);
    expect(done.returnvalue.skipped.join('\n')).toMatch(/blacklist: .*not trusted/);
    expect(await notes(incidentId)).toContain('Automatic containment not taken');
    // The read-only lookups still ran (as untrusted automation), so the job did reach enrichment.
    expect(done.returnvalue.enqueued.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(quarantinePosts()).toBe(posts);
    expect(target.quarantineStatus).not.toBe(1);
    expect(JSON.stringify([...h.sim.state.fingerprintLists.values()].map((l) => l.data)).toUpperCase()).not.toContain(
      hash,
    );
  });

  it('a sealed automatic request (enqueueJob, auto + trusted) still runs when the policy allows it', async () => {
    const target = unused();
    const incidentId = await h.newIncident([{ type: A.systemName, value: target.computerName }]);
    const posts = quarantinePosts();
    const jobId = await h.enqueue(
      'quarantine-endpoint',
      { incidentId, computer: target.computerName, senderVerdict: 'trusted' },
      'auto',
    );
    const done = await h.waitJob(h.queues.sep, jobId);
    expect(done.failedReason).toBeUndefined();
    expect(done.data.automationSeal).toMatch(/^v2\.\d+\.\d+\.[0-9a-f]{64}$/);
    expect(quarantinePosts()).toBe(posts + 1);
    await waitFor(async () => target.quarantineStatus === 1);
    expect(await notes(incidentId)).toContain('By: policy (automatic)');
  });

  it('a sealed incident-ready hand-off with a trusted sender triggers the enabled containment', async () => {
    const target = unused();
    const artifacts = [{ type: A.systemName, value: target.computerName }];
    const incidentId = await h.newIncident(artifacts);
    const jobId = `ready-${incidentId}`;
    const data = await h.seal('incident', jobId, { incidentId, artifacts, senderVerdict: 'trusted' });
    await h.queues.incidentReady.add('incident', data, { jobId });
    await waitFor(async () => target.quarantineStatus === 1);
    expect(await notes(incidentId)).toContain('By: policy (automatic)');
  });
});

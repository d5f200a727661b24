import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { enqueueJob, enqueueUntrusted } from '../../src/jobs/catalog.ts';
import { isAppError } from '../../src/shared/errors.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';

/** Untrusted payloads, SEPM trouble mid-flow, deterministic ids and the command timeout. */

describe('enrichment resilience', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { sepm: { scanTimeoutSec: 1 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an invalid dashboard payload fails at once, not retried, with every problem listed', async () => {
    const job = await h.queues.sep.add(
      'eoc-scan-artifact',
      { incidentId: -3, artifact: { type: 'Bogus', value: '' }, extra: 1 },
      { attempts: 5, backoff: { type: 'fixed', delay: 10 } },
    );
    const failed = await h.waitJob(h.queues.sep, job.id!);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('JOB_PAYLOAD_INVALID');
    expect(failed.failedReason).toContain('incidentId');
    expect(failed.failedReason).toContain('artifact.type');
    expect(failed.failedReason).toContain('artifact.value');
    expect(failed.failedReason).toContain('extra');

    const unknown = await h.queues.sep.add('format-disk', {}, { attempts: 5 });
    const f2 = await h.waitJob(h.queues.sep, unknown.id!);
    expect(f2.attemptsMade).toBe(1);
    expect(f2.failedReason).toContain("unknown job name 'format-disk'");

    // The same schemas guard enqueueJob (the HTTP API path): nothing is enqueued.
    const before = await h.queues.sep.count();
    const err = await enqueueUntrusted(
      h.queues.sep,
      'quarantine-endpoints',
      { undo: 'maybe' },
      { redis: h.redis, requestedBy: 'api' },
    ).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('JOB_PAYLOAD_INVALID');
    expect(String((err as Error).message)).toMatch(/undo/);
    expect(await h.queues.sep.count()).toBe(before);
  });

  it('an explicit request repeated inside the dedup window runs again (a new job, never the old one)', async () => {
    const incidentId = await h.newIncident([]);
    const payload = { incidentId };
    const opts = { redis: h.redis, dedupWindowSec: 600 };
    const a = await enqueueJob(h.queues.sep, 'groups-info', payload, { ...opts, requestedBy: 'analyst' });
    const b = await enqueueJob(h.queues.sep, 'groups-info', { ...payload }, { ...opts, requestedBy: 'api' });
    expect(b.jobId).not.toBe(a.jobId);
    expect(b.existing).toBeUndefined();
    await h.waitJob(h.queues.sep, a.jobId);
    expect((await h.waitJob(h.queues.sep, b.jobId)).returnvalue).toBeDefined();
    const rows = await h.soar.listTableRows(incidentId, SepTables.groups);
    expect(rows.length).toBe(h.sim.state.groups.length);
    expect(rows.every((r) => typeof r.cells.policyInheritanceEnabled === 'boolean')).toBe(true);
  });

  it('SEPM 401 (expired token) and 5xx mid-flow → recovered', async () => {
    const target = h.sim.state.computers.find((c) => c.os === 'windows')!;
    const incidentId = await h.newIncident([]);
    h.sim.expireAllTokens();
    const before = h.sim.state.stats.requests['GET /computers'] ?? 0;
    h.sim.faults.add({ route: 'GET /computers', kind: 'status', status: 503, times: 2 });
    const j1 = await h.enqueue('endpoint-details', {
      incidentId,
      artifact: { type: A.systemName, value: target.computerName },
    });
    const done = await h.waitJob(h.queues.sep, j1, 30_000);
    expect(done.returnvalue).toMatchObject({ found: 1 });
    // The client tries a GET twice (src/shared/retry.ts): both 503s land in the first job attempt, which fails;
    // BullMQ's second attempt succeeds. Requests = 2 failed + the successful ones of attempt 2 (one per GET).
    expect(done.failedReason).toMatch(/503/);
    expect(done.attemptsMade).toBe(2);
    const gets = (h.sim.state.stats.requests['GET /computers'] ?? 0) - before;
    expect(gets).toBeGreaterThanOrEqual(3);
    expect(gets).toBeLessThanOrEqual(4);

    // A command POST failing with 503 is not retried blindly by the client: the job is retried by BullMQ.
    h.sim.faults.add({ route: 'POST /command-queue/quarantine', kind: 'status', status: 502, times: 1 });
    const j2 = await h.enqueue('quarantine-endpoint', { incidentId, computer: target.computerName });
    const q = await h.waitJob(h.queues.sep, j2, 30_000);
    expect(await q.getState()).toBe('completed');
    // The first attempt failed on the 502 and BullMQ's retry succeeded.
    expect(q.failedReason).toMatch(/502/);
    await waitFor(async () => {
      const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
      return rows[0]?.cells.quarantine_command_state === 'Completed';
    });
    expect(target.quarantineStatus).toBe(1);
  });

  it('a command SEPM does not know ends the tracking with the reason in the state column', async () => {
    const incidentId = await h.newIncident([]);
    const row = await h.soar.addTableRow(incidentId, SepTables.endpointDetails, { computerName: 'X', uniqueId: 'Y' });
    const { jobId } = await enqueueJob(
      h.queues.tracking,
      'track-command',
      { incidentId, commandId: 'F'.repeat(32), kind: 'quarantine', startedAt: Date.now(), rowId: row.id },
      { redis: h.redis, requestedBy: 'analyst', jobId: 'track.bogus.a0' },
    );
    const job = await h.waitJob(h.queues.tracking, jobId);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/SEPM_GONE/);
    const [after] = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
    expect(after!.cells.quarantine_command_state).toMatch(/^Tracking failed: SEPM_GONE/);
  });

  it('a command that never completes is reported "Timedout" after sepm.scanTimeoutSec', async () => {
    const offline = h.sim.state.computers.find((c) => c.os === 'windows' && c.quarantineStatus !== 1)!;
    offline.onlineStatus = 0;
    try {
      const incidentId = await h.newIncident([]);
      await h.enqueue('quarantine-endpoint', { incidentId, computer: offline.computerName });
      const row = await waitFor(async () => {
        const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
        return rows[0]?.cells.quarantine_command_state === 'Timedout' ? rows[0] : undefined;
      }, 15_000);
      expect(row.cells.quarantine_commandid).toBeTruthy();
      // The summary note follows the row update (a separate write): wait for it, as a reader would.
      await waitFor(async () =>
        (await h.soar.listNotes(incidentId)).some((n) => n.text.includes('Completed on 0 of 1 endpoints')),
      );
    } finally {
      offline.onlineStatus = 1;
    }
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.ts';
import { enqueueJob } from '../../src/jobs/catalog.ts';
import { getAutomationKey } from '../../src/jobs/seal.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';
import { testRuntime } from '../helpers/redis.ts';

/**
 * Requests mean what they say (issue 12 item 3), through the job API on a 2,000-endpoint simulated SEPM with the
 * default dedup window (1 h): an explicit request always runs, a repeated Idempotency-Key is the same job,
 * status reads are fresh, and automatic work with one meaning is one job across any clock boundary.
 */

const TOKEN = 'op-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('requests mean what they say', () => {
  let h: Harness;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await startHarness({
      sim: { computers: 2000 },
      config: { http: { tokens: [{ name: 'ci', token: TOKEN, role: 'operator' }] } },
    });
    app = await buildHttpServer({
      config: h.config,
      runtime: testRuntime(h.prefix),
      soar: h.soar,
      store: h.soar,
      logger: silentLogger,
      readiness: async () => ({}),
    });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  /** POST /api/jobs/<name>, then waits for the job to finish; returns the answer and the finished job. */
  async function request(name: string, payload: object, headers: Record<string, string> = {}) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/jobs/${name}`,
      headers: { ...auth, ...headers },
      payload,
    });
    const body = res.json<{ jobId: string }>();
    const job = res.statusCode < 300 ? await h.waitJob(h.queues.sep, body.jobId) : undefined;
    return { status: res.statusCode, body, job };
  }
  const commandsOf = (kind: string) => [...h.sim.state.commands.values()].filter((c) => c.kind === kind).length;
  const windows = () => h.sim.state.computers.filter((c) => c.os === 'windows');

  it('quarantine → un-quarantine → quarantine sends three commands and leaves the host quarantined', async () => {
    const target = windows()[5]!;
    const incidentId = await h.newIncident([{ type: A.systemName, value: target.computerName }]);
    const before = commandsOf('quarantine');
    const ids: string[] = [];
    for (const name of ['quarantine-endpoint', 'unquarantine-endpoint', 'quarantine-endpoint']) {
      const r = await request(name, { incidentId, computerId: target.uniqueId });
      expect(r.status, name).toBe(202);
      expect(r.job?.failedReason, name).toBeUndefined();
      ids.push(r.body.jobId);
      // The next request only after this command took effect in SEPM (the simulator applies it in steps).
      await waitFor(async () => (name === 'unquarantine-endpoint') === (target.quarantineStatus !== 1));
    }
    expect(new Set(ids).size).toBe(3);
    expect(commandsOf('quarantine') - before).toBe(3);
    expect(target.quarantineStatus).toBe(1);
  });

  it('add-hash-to-blacklist after delete-blacklist recreates the list', async () => {
    const hash = '9A'.repeat(32);
    const incidentId = await h.newIncident([{ type: A.sha256, value: hash }]);
    const managed = () => [...h.sim.state.fingerprintLists.values()].find((l) => l.name === 'sepm-intake-blacklist');
    const add = await request('add-hash-to-blacklist', { incidentId, hash });
    expect(add.job?.returnvalue).toMatchObject({ outcome: 'created' });
    const drop = await request('delete-blacklist', { incidentId });
    expect(drop.job?.returnvalue).toMatchObject({ deleted: true });
    expect(managed()).toBeUndefined();
    const again = await request('add-hash-to-blacklist', { incidentId, hash });
    expect(again.status).toBe(202);
    expect(again.body.jobId).not.toBe(add.body.jobId);
    expect(again.job?.returnvalue).toMatchObject({ outcome: 'created' });
    expect(JSON.stringify(managed()?.data).toUpperCase()).toContain(hash);
  });

  it('a status query asked again reads SEPM again (fresh data, not the earlier result)', async () => {
    const target = windows()[9]!;
    const incidentId = await h.newIncident([{ type: A.systemName, value: target.computerName }]);
    const first = await request('quarantine-status', { incidentId, computerId: target.uniqueId });
    expect(first.job?.returnvalue).toMatchObject({ status: 'Un-Quarantined' });
    // Changed in SEPM behind our back (another console, another tool).
    target.quarantineStatus = 1;
    target.quarantineDesc = 'Client is quarantined by the administrator.';
    const second = await request('quarantine-status', { incidentId, computerId: target.uniqueId });
    expect(second.body.jobId).not.toBe(first.body.jobId);
    expect(second.job?.returnvalue).toMatchObject({ status: 'Quarantined' });
    const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
    expect(rows.find((r) => r.cells.uniqueId === target.uniqueId)?.cells.endpoint_quarantine_status).toBe(
      'Quarantined',
    );
  });

  it('a repeated Idempotency-Key is the same job; the same key for another request is refused', async () => {
    const incidentId = await h.newIncident([]);
    const key = { 'idempotency-key': `k-${incidentId}` };
    const before = await h.queues.sep.count();
    const a = await app.inject({
      method: 'POST',
      url: '/api/jobs/groups-info',
      headers: { ...auth, ...key },
      payload: { incidentId },
    });
    const b = await app.inject({
      method: 'POST',
      url: '/api/jobs/groups-info',
      headers: { ...auth, ...key },
      payload: { incidentId },
    });
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ jobId: a.json<{ jobId: string }>().jobId, repeated: true });
    const other = await app.inject({
      method: 'POST',
      url: '/api/jobs/groups-info',
      headers: { ...auth, ...key },
      payload: { incidentId, fullPathName: 'My Company' },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ error: 'REQUEST_KEY_REUSED', jobId: a.json<{ jobId: string }>().jobId });
    // Without a key the same request is a new job.
    const c = await app.inject({
      method: 'POST',
      url: '/api/jobs/groups-info',
      headers: auth,
      payload: { incidentId },
    });
    expect(c.statusCode).toBe(202);
    expect(c.json<{ jobId: string }>().jobId).not.toBe(a.json<{ jobId: string }>().jobId);
    expect((await h.queues.sep.count()) + (await h.queues.sep.getCompletedCount()) - before).toBeGreaterThanOrEqual(2);
  });

  it('two automatic enqueues of one meaning 1 s apart across a clock boundary are one job', async () => {
    const incidentId = await h.newIncident([]);
    // A 2 s window: the old scheme's buckets end at every even second. Start 0.6 s before a boundary so the
    // second request (1 s later, inside the window) lands in the next bucket.
    const windowSec = 2;
    const until = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const toBoundary = windowSec * 1000 - (Date.now() % (windowSec * 1000));
    await until(toBoundary > 600 ? toBoundary - 600 : toBoundary + windowSec * 1000 - 600);
    const automationKey = await getAutomationKey(h.redis, h.prefix);
    const opts = {
      redis: h.redis,
      requestedBy: 'auto',
      senderVerdict: 'untrusted',
      automationKey,
      dedupWindowSec: windowSec,
    } as const;
    const payload = { incidentId, hash: '7C'.repeat(32) };
    const t0 = Date.now();
    const a = await enqueueJob(h.queues.sep, 'blacklist-info', payload, opts);
    await until(1000);
    const b = await enqueueJob(h.queues.sep, 'blacklist-info', payload, opts);
    expect(Math.floor(t0 / 1000 / windowSec)).not.toBe(Math.floor(Date.now() / 1000 / windowSec));
    expect(b.jobId).toBe(a.jobId);
    expect(b.existing).toBe('deduplicated');
    const jobs = await h.queues.sep.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    expect(jobs.filter((j) => j.name === 'blacklist-info' && j.data.incidentId === incidentId)).toHaveLength(1);
    // After the window the same automatic work runs again.
    await until(windowSec * 1000 + 100);
    const c = await enqueueJob(h.queues.sep, 'blacklist-info', payload, opts);
    expect(c.existing).toBeUndefined();
    expect(c.jobId).not.toBe(a.jobId);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.ts';
import { hashPassword } from '../../src/http/auth/password.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { A, startHarness, waitFor, type Harness } from '../helpers/enrich-harness.ts';
import { postLoginForm } from '../helpers/login-form.ts';
import { testRuntime } from '../helpers/redis.ts';

/** The job-trigger API, auth and Bull Board mounts against real Redis, the SEPM simulator and real workers. */

const FAST = { N: 1024, r: 8, p: 1 };
const OP_TOKEN = 'op-token-0123456789abcdef';
const RO_TOKEN = 'ro-token-0123456789abcdef';
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('job-trigger API and auth', () => {
  let h: Harness;
  let app: FastifyInstance;
  let sepmDown = false;
  let imapState = 'active';
  const op = { authorization: basic('alice', 'alice-secret-pw') };
  const ro = { authorization: basic('bob', 'bob-secret-pw') };

  beforeAll(async () => {
    const users = [
      { name: 'alice', passwordHash: await hashPassword('alice-secret-pw', FAST), role: 'operator' },
      { name: 'bob', passwordHash: await hashPassword('bob-secret-pw', FAST), role: 'readonly' },
    ];
    const tokens = [
      { name: 'ci', token: OP_TOKEN, role: 'operator' },
      { name: 'prom', token: RO_TOKEN, role: 'readonly' },
    ];
    h = await startHarness({ config: { http: { users, tokens, loginRateLimitPerMin: 3 } } });
    app = await buildHttpServer({
      config: h.config,
      runtime: testRuntime(h.prefix),
      soar: h.soar,
      store: h.soar,
      logger: silentLogger,
      readiness: async () => ({ sepm: sepmDown ? { ok: false, detail: 'down' } : { ok: true } }),
      mailSources: () => [
        { name: 'soc', kind: 'imap', state: imapState, lastMailAt: Date.now() - 90_000 },
        { name: 'spool', kind: 'spool', state: 'active' },
      ],
    });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const sepCount = async () => Object.values(await h.queues.sep.getJobCounts()).reduce((a, b) => a + b, 0);

  it('needs authentication everywhere but /healthz; wrong passwords and tokens are rejected', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    for (const url of ['/api/openapi.json', '/metrics', '/readyz', '/admin/queues/api/queues']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    }
    expect((await app.inject({ url: '/incidents' })).headers.location).toBe('/login?next=%2Fincidents');
    // Failures from their own address: the limiter (3 per minute here) must not lock out the other tests.
    const attempt = (authorization: string) =>
      app.inject({ url: '/api/openapi.json', headers: { authorization }, remoteAddress: '10.1.1.1' });
    expect((await attempt(basic('alice', 'nope'))).statusCode).toBe(401);
    expect((await attempt(basic('mallory', 'x'))).statusCode).toBe(401);
    expect((await attempt(`Bearer ${OP_TOKEN}x`)).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/openapi.json', headers: op })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${RO_TOKEN}` } })).statusCode).toBe(
      200,
    );
  });

  it('rate limits failed logins per client IP and user (429); right credentials and other users unaffected', async () => {
    const from = (ip: string, authorization: string) =>
      app.inject({ url: '/api/openapi.json', headers: { authorization }, remoteAddress: ip });
    for (let i = 0; i < 3; i++) expect((await from('10.9.9.9', basic('alice', 'guess'))).statusCode).toBe(401);
    const limited = await from('10.9.9.9', basic('alice', 'guess'));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const form = await postLoginForm(app, { username: 'alice', password: 'guess' }, { remoteAddress: '10.9.9.9' });
    expect(form.statusCode).toBe(429);
    // The right password, another user, another address: none of them is locked out by alice's guesses.
    expect((await from('10.9.9.9', basic('alice', 'alice-secret-pw'))).statusCode).toBe(200);
    const good = await postLoginForm(
      app,
      { username: 'alice', password: 'alice-secret-pw' },
      { remoteAddress: '10.9.9.9' },
    );
    expect(good.statusCode).toBe(303);
    expect((await from('10.9.9.9', basic('bob', 'bob-secret-pw'))).statusCode).toBe(200);
    expect((await from('10.9.9.9', basic('bob', 'guess'))).statusCode).toBe(401);
    expect((await from('10.9.9.8', basic('alice', 'guess'))).statusCode).toBe(401);
  });

  it('read-only principals cannot trigger jobs or change queues', async () => {
    const incidentId = await h.newIncident([{ type: A.systemName, value: 'WS-00001' }]);
    const payload = { incidentId, artifact: { type: A.systemName, value: 'WS-00001' } };
    for (const headers of [ro, { authorization: `Bearer ${RO_TOKEN}` }]) {
      const res = await app.inject({ method: 'POST', url: '/api/jobs/endpoint-details', headers, payload });
      expect(res.statusCode).toBe(403);
    }
    expect(await sepCount()).toBe(0);
    const board = await app.inject({ url: '/admin/queues', headers: ro });
    expect(board.statusCode).toBe(302);
    expect(board.headers.location).toBe('/admin/queues-ro');
    const roBoard = await app.inject({ url: '/admin/queues-ro', headers: ro });
    expect(roBoard.statusCode).toBe(200);
    expect(roBoard.body).toContain('sepm-intake (read-only)');
    const retry = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/sep/retry/failed', headers: ro });
    expect(retry.statusCode).toBe(403);
    const add = await app.inject({
      method: 'POST',
      url: '/admin/queues/api/queues/sep/add',
      headers: ro,
      payload: { name: 'get-domains', data: {} },
    });
    expect(add.statusCode).toBe(403);
    // The read-only board refuses changes itself, too.
    const roAdd = await app.inject({
      method: 'POST',
      url: '/admin/queues-ro/api/queues/sep/add',
      headers: ro,
      payload: { name: 'get-domains', data: {} },
    });
    expect(roAdd.statusCode).toBeGreaterThanOrEqual(400);
    expect(await sepCount()).toBe(0);
  });

  it('a bad payload is a 400 listing every problem, and nothing is queued', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/jobs/quarantine-endpoint',
      headers: op,
      payload: { incidentId: 'x', computerId: 'nothex', bogus: 1, senderVerdict: 'trusted' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; problems: string[] };
    expect(body.error).toBe('JOB_PAYLOAD_INVALID');
    expect(body.problems.join('\n')).toMatch(/senderVerdict/);
    expect(body.problems.join('\n')).toMatch(/incidentId/);
    expect(body.problems.join('\n')).toMatch(/computerId/);
    expect(body.problems.join('\n')).toMatch(/bogus/);
    const unknown = await app.inject({ method: 'POST', url: '/api/jobs/format-disk', headers: op, payload: {} });
    expect(unknown.statusCode).toBe(404);
    expect(await sepCount()).toBe(0);
  });

  it('a good payload runs against the SEPM simulator and its result is readable by polling', async () => {
    const host = h.sim.state.computers[3]!;
    const incidentId = await h.newIncident([{ type: A.systemName, value: host.computerName }]);
    const payload = { incidentId, artifact: { type: A.systemName, value: host.computerName } };
    const res = await app.inject({
      method: 'POST',
      url: '/api/jobs/endpoint-details',
      headers: { authorization: `Bearer ${OP_TOKEN}` },
      payload,
    });
    expect(res.statusCode).toBe(202);
    const { jobId, poll } = res.json() as { jobId: string; poll: string };
    expect(poll).toBe(`/api/jobs/${jobId}`);
    // The same explicit request again is a new job (it means "look again"), never the earlier job.
    const again = await app.inject({ method: 'POST', url: '/api/jobs/endpoint-details', headers: op, payload });
    expect(again.statusCode).toBe(202);
    expect((again.json() as { jobId: string }).jobId).not.toBe(jobId);
    const job = await waitFor(async () => {
      const r = (await app.inject({ url: poll, headers: ro })).json() as { state: string; result: unknown };
      return r.state === 'completed' || r.state === 'failed' ? r : undefined;
    });
    expect(job).toMatchObject({ state: 'completed', name: 'endpoint-details', queue: 'sep' });
    expect(job.result).toBeTruthy();
    const rows = await h.soar.listTableRows(incidentId, SepTables.endpointDetails);
    expect(rows.map((r) => r.cells.computerName)).toContain(host.computerName);
    expect((await app.inject({ url: '/api/jobs/no-such-job', headers: op })).statusCode).toBe(404);

    const list = await app.inject({ url: '/admin/queues/api/queues?activeQueue=sep&status=completed', headers: op });
    expect(list.statusCode).toBe(200);
    const queues = (list.json() as { queues: { name: string; jobs: { id: string }[] }[] }).queues;
    expect(queues.map((q) => q.name).sort()).toEqual(['incident-ready', 'intake', 'sep', 'tracking']);
    expect(queues.find((q) => q.name === 'sep')!.jobs.map((j) => j.id)).toContain(jobId);
  });

  it("Bull Board's add job on the sep queue runs the job for operators", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/queues/api/queues/sep/add',
      headers: op,
      payload: { name: 'get-domains', data: {}, options: {} },
    });
    expect(res.statusCode).toBe(200);
    const id = (res.json() as { job: { id: string } }).job.id;
    const job = await h.waitJob(h.queues.sep, id);
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({ success: true });
  });

  it('serves an OpenAPI description generated from the job schemas', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json', headers: ro })).json() as {
      openapi: string;
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: { properties?: object } }> } } }
      >;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const ep = doc.paths['/api/jobs/endpoint-details']!.post!;
    expect(Object.keys(ep.requestBody.content['application/json']!.schema.properties ?? {})).toEqual(
      expect.arrayContaining(['incidentId', 'artifact']),
    );
    expect(doc.paths['/api/jobs/{id}']).toBeDefined();
  });

  it('/readyz reports each dependency and answers 503 when one is down', async () => {
    const ok = await app.inject({ url: '/readyz', headers: ro });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      checks: { redis: { ok: true }, soar: { ok: true }, sepm: { ok: true }, 'mailbox:soc': { ok: true } },
    });
    imapState = 'standby';
    expect((await app.inject({ url: '/readyz', headers: ro })).statusCode).toBe(200);
    imapState = 'connecting';
    const reconnecting = await app.inject({ url: '/readyz', headers: ro });
    imapState = 'active';
    expect(reconnecting.statusCode).toBe(503);
    expect(reconnecting.json()).toMatchObject({
      checks: { 'mailbox:soc': { ok: false }, 'mailbox:spool': { ok: true } },
    });
    const metrics = (await app.inject({ url: '/metrics', headers: ro })).body;
    const age = Number(/^sepm_intake_seconds_since_last_mail\{mailbox="soc"[^}]*\} (\S+)$/m.exec(metrics)?.[1]);
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    sepmDown = true;
    const down = await app.inject({ url: '/readyz', headers: ro });
    sepmDown = false;
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ checks: { redis: { ok: true }, sepm: { ok: false, detail: 'down' } } });
  });
});

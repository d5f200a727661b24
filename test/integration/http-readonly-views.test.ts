import { join } from 'node:path';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEAL_FIELD } from '../../src/jobs/seal.ts';
import { OP_TOKEN, RO_TOKEN, startWebHarness, type WebHarness } from '../helpers/http-server.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';

/**
 * Read-only views of jobs (the read-only board's JSON and GET /api/jobs/:id) with a real failed job in Redis:
 * no automation seal, no stack trace, no absolute server path. Operators still see the stack.
 */

const RO = { authorization: `Bearer ${RO_TOKEN}` };
const OP = { authorization: `Bearer ${OP_TOKEN}` };
const SEAL = 'f'.repeat(64);
/** An endpoint's own path (a Mac client): analysts need it, it is not this server's. */
const ENDPOINT_PATH = '/Users/bob/Downloads/evil.pkg';

describe('read-only views of jobs', () => {
  let w: WebHarness;
  const serverFile = join(process.cwd(), 'var', 'inbox', 'alert-1.eml');

  beforeAll(async () => {
    w = await startWebHarness();
    const data = {
      incidentId: 7,
      requestedBy: 'auto',
      [SEAL_FIELD]: SEAL,
      artifact: { type: 'File Path', value: ENDPOINT_PATH },
      source: serverFile,
    };
    await w.queues.sep.add('endpoint-details', data, { jobId: 'failing-1', attempts: 1 });
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker(
      'sep',
      async () => {
        throw new Error(`ENOENT: no such file or directory, open '${serverFile}'`);
      },
      { connection, prefix: w.prefix },
    );
    await new Promise<void>((resolve) => worker.on('failed', () => resolve()));
    await worker.close();
    connection.disconnect();
    expect(await w.queues.sep.getJobState('failing-1')).toBe('failed');
    const job = await w.queues.sep.getJob('failing-1');
    expect(job?.stacktrace?.join('\n')).toContain(process.cwd());
  });
  afterAll(async () => {
    await w?.close();
  });

  function expectClean(body: string): void {
    expect(body).not.toContain(SEAL_FIELD);
    expect(body).not.toContain(SEAL);
    expect(body).not.toContain(process.cwd());
    expect(body).not.toMatch(/"stacktrace":\["/);
    expect(body).toContain(ENDPOINT_PATH);
    expect(body).toContain('alert-1.eml');
  }

  it('the read-only board lists and shows the failed job without seal, stack or server paths', async () => {
    const list = await w.raw('GET', '/admin/queues-ro/api/queues?activeQueue=sep&status=failed', RO);
    expect(list.status).toBe(200);
    const queues = (list.json() as { queues: { name: string; jobs: { id: string; failedReason: string }[] }[] }).queues;
    const job = queues.find((q) => q.name === 'sep')!.jobs.find((j) => j.id === 'failing-1')!;
    expect(job.failedReason).toBe("ENOENT: no such file or directory, open 'alert-1.eml'");
    expectClean(list.body);
    const one = await w.raw('GET', '/admin/queues-ro/api/queues/sep/failing-1', RO);
    expect(one.status).toBe(200);
    expectClean(one.body);
    expect((one.json() as { job: { stacktrace: unknown[] } }).job.stacktrace).toEqual([]);
  });

  it('GET /api/jobs/:id shows a read-only principal no seal and no server path; an operator the reason', async () => {
    const ro = await w.raw('GET', '/api/jobs/failing-1', RO);
    expect(ro.status).toBe(200);
    expectClean(ro.body);
    expect(ro.json()).toMatchObject({
      state: 'failed',
      failedReason: "ENOENT: no such file or directory, open 'alert-1.eml'",
      data: { source: 'alert-1.eml', artifact: { value: ENDPOINT_PATH } },
    });
    const op = await w.raw('GET', '/api/jobs/failing-1', OP);
    expect(op.body).not.toContain(SEAL);
    expect((op.json() as { failedReason: string }).failedReason).toContain(serverFile);
  });

  it('operators still see the stack trace on their board', async () => {
    const one = await w.raw('GET', '/admin/queues/api/queues/sep/failing-1', OP);
    expect(one.status).toBe(200);
    expect((one.json() as { job: { stacktrace: string[] } }).job.stacktrace.join('\n')).toContain(process.cwd());
  });
});

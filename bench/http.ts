/**
 * Web-role cost, as figures (not a timed test). Needs Redis at SEPM_INTAKE_TEST_REDIS_URL or 127.0.0.1:6379.
 * Run: node --import tsx bench/http.ts   (figures are the best of 3 runs, in-process requests via inject)
 * - job-trigger API (auth + validation + enqueue) per request vs enqueueJob straight onto the queue (baseline);
 * - /metrics scrape (BullMQ counts of 4 queues + registry) vs the 4 getJobCounts calls alone;
 * - scrypt password check (N=32768) per login, and a bearer-token request end to end.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { configSchema } from '../src/config/schema.ts';
import { enqueueJob } from '../src/jobs/catalog.ts';
import { hashPassword, verifyPassword } from '../src/http/auth/password.ts';
import { buildHttpServer } from '../src/http/server.ts';
import { createJobRuntime } from '../src/main.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { QueueNames } from '../src/jobs/queues.ts';
import { openEmbeddedStore } from '../src/soar/embedded/store.ts';

const REDIS = process.env.SEPM_INTAKE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = 1000;
const TOKEN = randomBytes(24).toString('hex');

async function best(runs: number, fn: (run: number) => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < runs; r++) min = Math.min(min, await fn(r));
  return min;
}

async function cleanup(prefix: string): Promise<void> {
  const redis = new Redis(REDIS);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function main(): Promise<void> {
  const prefix = `bench-http-${randomBytes(4).toString('hex')}`;
  const config = configSchema.parse({
    redis: { url: REDIS, prefix },
    http: {
      tokens: [{ name: 'bench', token: TOKEN, role: 'operator' }],
      users: [{ name: 'bench', passwordHash: await hashPassword('bench-password'), role: 'readonly' }],
    },
  });
  const store = openEmbeddedStore(':memory:');
  const app = await buildHttpServer({
    config,
    runtime: createJobRuntime(REDIS, prefix),
    soar: store,
    store,
    logger: silentLogger,
    readiness: async () => ({}),
  });
  const queue = new Queue(QueueNames.sep, { connection: { url: REDIS }, prefix: `${prefix}-base` });
  const redis = new Redis(REDIS);
  const headers = { authorization: `Bearer ${TOKEN}` };
  try {
    const api = await best(3, async (run) => {
      const t = performance.now();
      for (let i = 0; i < N; i++) {
        const payload = { computerName: `WS-${run}-${i}` };
        const res = await app.inject({ method: 'POST', url: '/api/jobs/get-computers', headers, payload });
        if (res.statusCode !== 202) throw new Error(`API answered ${res.statusCode}`);
      }
      return (performance.now() - t) / N;
    });
    const direct = await best(3, async (run) => {
      const t = performance.now();
      for (let i = 0; i < N; i++) {
        await enqueueJob(queue, 'get-computers', { computerName: `WS-${run}-${i}` }, { redis, requestedBy: 'api' });
      }
      return (performance.now() - t) / N;
    });
    const scrape = await best(3, async () => {
      const t = performance.now();
      for (let i = 0; i < 50; i++) await app.inject({ url: '/metrics', headers });
      return (performance.now() - t) / 50;
    });
    const queues = Object.values(QueueNames).map((n) => new Queue(n, { connection: { url: REDIS }, prefix }));
    const counts = await best(3, async () => {
      const t = performance.now();
      for (let i = 0; i < 50; i++) await Promise.all(queues.map((q) => q.getJobCounts()));
      return (performance.now() - t) / 50;
    });
    await Promise.all(queues.map((q) => q.close()));
    const hash = await hashPassword('bench-password');
    const login = await best(3, async () => {
      const t = performance.now();
      for (let i = 0; i < 10; i++) await verifyPassword('bench-password', hash);
      return (performance.now() - t) / 10;
    });
    const basicHeaders = { authorization: `Basic ${Buffer.from('bench:bench-password').toString('base64')}` };
    const basicReq = await best(3, async () => {
      const t = performance.now();
      for (let i = 0; i < 200; i++) await app.inject({ url: '/api/openapi.json', headers: basicHeaders });
      return (performance.now() - t) / 200;
    });
    const tokenReq = await best(3, async () => {
      const t = performance.now();
      for (let i = 0; i < 200; i++) await app.inject({ url: '/api/openapi.json', headers });
      return (performance.now() - t) / 200;
    });
    const f = (ms: number) => `${ms.toFixed(3)} ms`;
    console.log(`job-trigger API, per request (${N} distinct jobs): ${f(api)}`);
    console.log(
      `enqueueJob straight onto the queue (baseline): ${f(direct)}  → API/baseline ${(api / direct).toFixed(2)}x`,
    );
    console.log(
      `/metrics scrape with ${N * 3} waiting sep jobs: ${f(scrape)}; 4× getJobCounts alone: ${f(counts)}  → ${(scrape / counts).toFixed(2)}x`,
    );
    console.log(`scrypt password check (N=32768, r=8, p=1): ${f(login)} per login`);
    console.log(`bearer-token request end to end (openapi.json): ${f(tokenReq)}`);
    console.log(
      `Basic-auth request end to end, credentials verified before: ${f(basicReq)}  → ${(login / basicReq).toFixed(0)}x cheaper than a fresh scrypt check`,
    );
  } finally {
    await app.close();
    await queue.close();
    redis.disconnect();
    await store.close();
    await cleanup(prefix);
  }
}

await main();

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { ArtifactTypes, type Artifact } from '../../src/mail/types.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/soar/embedded/store.ts';
import { openPostgresStore, type PostgresStore } from '../../src/soar/postgres/store.ts';
import { dropSchema, pgSettings, randomSchema } from './postgres.ts';
import { startEnrichment } from '../../src/enrich/start.ts';
import { enqueueUntrusted, type RequestedBy } from '../../src/jobs/catalog.ts';
import { getAutomationKey, withSeal } from '../../src/jobs/seal.ts';
import { startSepmSim, type SepmSim, type SepmSimOptions } from '../../sim/sepm/index.ts';
import { cleanupPrefix, randomPrefix, testRuntime, TEST_REDIS_URL } from './redis.ts';

/**
 * Enrichment under test: the SEPM simulator over HTTPS (verification on, its CA as caBundle), the embedded
 * incident store in a temp dir, real Redis under a random prefix, and the enrichment workers of src/enrich/start.ts.
 * SEPM_INTAKE_TEST_STORE=postgres (or `store: 'postgres'`) runs the same flows on the PostgreSQL store in a random
 * schema, dropped at close.
 */

export interface HarnessOptions {
  sim?: SepmSimOptions;
  /** Deep-merged config overrides (policy, enrich, sepm). */
  config?: Record<string, unknown>;
  /** Incident store under test; default from SEPM_INTAKE_TEST_STORE, else embedded. */
  store?: 'embedded' | 'postgres';
}

export interface Harness {
  sim: SepmSim;
  soar: EmbeddedStore | PostgresStore;
  config: Config;
  prefix: string;
  /** A connection on the test Redis (the enqueue options need one). */
  redis: Redis;
  queues: { sep: Queue; tracking: Queue; incidentReady: Queue };
  newIncident(artifacts: Artifact[], key?: string): Promise<number>;
  /** Through enqueueJob with the deployment's automation key (an 'auto' request is sealed as the worker would). */
  enqueue(name: string, payload: unknown, requestedBy?: RequestedBy): Promise<string>;
  /** `data` sealed for job `jobId` as the intake worker seals its hand-off (for jobs added straight to a queue). */
  seal<T extends object>(jobName: string, jobId: string, data: T): Promise<T & { automationSeal: string }>;
  waitJob(queue: Queue, jobId: string, timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSepmSim({ computers: 30, commandStepMs: 20, ...opts.sim });
  // Offline clients never answer a command; the flows under test want every client to.
  for (const c of sim.state.computers) c.onlineStatus = 1;
  const prefix = randomPrefix('enrich');
  const dir = mkdtempSync(join(tmpdir(), 'enrich-'));
  const kind = opts.store ?? (process.env.SEPM_INTAKE_TEST_STORE === 'postgres' ? 'postgres' : 'embedded');
  const schema = kind === 'postgres' ? randomSchema('enrich') : undefined;
  const soar = schema ? await openPostgresStore(pgSettings(schema)) : openEmbeddedStore(join(dir, 'incidents.db'));
  const overrides = opts.config ?? {};
  const config = configSchema.parse({
    ...overrides,
    redis: { url: TEST_REDIS_URL, prefix },
    sepm: {
      host: sim.host,
      port: sim.port,
      protocol: sim.protocol,
      username: sim.credentials.username,
      password: sim.credentials.password,
      domain: sim.credentials.domain,
      caBundle: sim.caFile,
      pollIntervalSec: 0.05,
      pollMaxIntervalSec: 0.2,
      ...(overrides.sepm as object | undefined),
    },
  });
  const runtime = testRuntime(prefix);
  const enrichment = await startEnrichment({ config, runtime, soar, logger: silentLogger });
  const redis = runtime.redis('harness');
  const queues = {
    sep: new Queue('sep', { connection: redis, prefix }),
    tracking: new Queue('tracking', { connection: redis, prefix }),
    incidentReady: new Queue('incident-ready', { connection: redis, prefix }),
  };
  let n = 0;
  return {
    sim,
    soar,
    config,
    prefix,
    redis,
    queues,
    async newIncident(artifacts, key) {
      const r = await soar.findOrCreateIncident(
        {
          dedupKey: key ?? `test-${prefix}-${++n}`,
          name: 'SEP Single Risk Event: test',
          description: 'test',
          descriptionFormat: 'text',
          discoveredDate: Date.now(),
          severity: 'High',
          incidentTypes: ['Malware'],
          properties: {},
          artifacts,
        },
        { mergeWindowMs: 0 },
      );
      return r.incident.id;
    },
    async enqueue(name, payload, requestedBy = 'analyst') {
      const automationKey = await getAutomationKey(redis, prefix);
      return (
        await enqueueUntrusted(queues.sep, name, payload, { redis, requestedBy, dedupWindowSec: 0, automationKey })
      ).jobId;
    },
    async seal(jobName, jobId, data) {
      return withSeal(await getAutomationKey(redis, prefix), { jobName, jobId }, data);
    },
    async waitJob(queue, jobId, timeoutMs = 20_000) {
      return waitFor(async () => {
        const job = await queue.getJob(jobId);
        if (!job) return undefined;
        const state = await job.getState();
        // Re-read after the state check: the first read may predate the completion.
        return state === 'completed' || state === 'failed' ? await queue.getJob(jobId) : undefined;
      }, timeoutMs);
    },
    async close() {
      await enrichment.close();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
      await soar.close();
      if (schema) await dropSchema(schema);
      await sim.stop();
      await cleanupPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const A = ArtifactTypes;

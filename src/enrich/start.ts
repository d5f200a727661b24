import type { Worker } from 'bullmq';
import type { Config, SepmConfig } from '../config/schema.ts';
import type { Logger } from '../shared/logger.ts';
import { QueueNames } from '../jobs/queues.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import type { SoarClient } from '../soar/port.ts';
import { createSepmClient, type SepmClient } from '../sepm/client/client.ts';
import { createSepmApi, type SepmApi } from '../sepm/functions/api.ts';
import { incidentReadyProcessor, sepProcessor, startWorker, type WorkerDeps } from './jobs/worker.ts';

/**
 * Starts the enrichment role of one process: the `incident-ready` worker (automatic enrichment), the `sep` worker
 * (SEP functions and playbooks) and the `tracking` worker (command polls). One SEPM client — one token, one
 * session — is shared by all three, so a process logs in once, not once per job.
 */

export interface SepmHandle {
  client: SepmClient;
  api: SepmApi;
  close(): Promise<void>;
}

/**
 * The SEPM client of this process. With the runtime (every service process) it takes its slots from the
 * deployment's SEPM budget and shares the deployment's token (docs/operations.md "The SEPM budget"); without it
 * (the `sep` CLI) it is a budget of its own.
 */
export function createSepmFromConfig(cfg: SepmConfig, logger: Logger, runtime?: JobRuntime): SepmHandle {
  const redis = runtime?.redis('sepm-budget');
  const shared = redis && runtime ? { redis, prefix: runtime.prefix } : undefined;
  const client = createSepmClient(cfg, { logger, ...(shared ? { shared } : {}) });
  const api = createSepmApi(client, cfg);
  return {
    client,
    api,
    close: async () => {
      await client.close();
      redis?.disconnect();
    },
  };
}

/** What an embedded SEPM (the simulator started in-process by `npm start`) tells us about itself. */
export interface EmbeddedSepm {
  host: string;
  port: number;
  protocol: 'https' | 'http';
  /** CA of its certificate ('' for http): verification stays on. */
  caFile: string;
  credentials: { username: string; password: string; domain: string };
}

/** config.sepm pointed at an embedded SEPM; every other setting (limits, timeouts, polling) is kept. */
export function sepmConfigFor(base: SepmConfig, sim: EmbeddedSepm): SepmConfig {
  return {
    ...base,
    host: sim.host,
    port: sim.port,
    protocol: sim.protocol,
    caBundle: sim.caFile || undefined,
    username: sim.credentials.username,
    password: sim.credentials.password,
    domain: sim.credentials.domain,
  };
}

export interface EnrichmentContext {
  config: Config;
  /** Redis connections, queues and workers, built by main.ts. */
  runtime: JobRuntime;
  soar: SoarClient;
  logger: Logger;
  concurrency?: number;
  /** An existing SEPM handle (e.g. the embedded simulator's); default = built from config.sepm. */
  sepm?: SepmHandle;
}

export async function startEnrichment(ctx: EnrichmentContext): Promise<{ close(): Promise<void>; sepm: SepmHandle }> {
  const logger = ctx.logger.child({ component: 'enrich' });
  const sepm = ctx.sepm ?? createSepmFromConfig(ctx.config.sepm, logger, ctx.runtime);
  const { runtime } = ctx;
  const redis = runtime.redis('enrich');
  const queues = {
    [QueueNames.sep]: runtime.queue(QueueNames.sep, redis),
    [QueueNames.tracking]: runtime.queue(QueueNames.tracking, redis),
  };
  const deps: WorkerDeps = {
    client: sepm.client,
    config: ctx.config,
    sepm: sepm.api,
    soar: ctx.soar,
    redis,
    prefix: runtime.prefix,
    logger,
    queues,
  };
  const concurrency = ctx.concurrency ?? 4;
  const workers: Worker[] = [
    startWorker(runtime, QueueNames.incidentReady, incidentReadyProcessor(deps), deps, 2),
    startWorker(runtime, QueueNames.sep, sepProcessor(deps), deps, concurrency),
    startWorker(runtime, QueueNames.tracking, sepProcessor(deps), deps, concurrency),
  ];
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info({ concurrency, sepm: ctx.config.sepm.host ?? '(injected)' }, 'enrichment workers started');
  let closed = false;
  return {
    sepm,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(Object.values(queues).map((q) => q.close()));
      if (!ctx.sepm) await sepm.close();
      redis.disconnect();
    },
  };
}

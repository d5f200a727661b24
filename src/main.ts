import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from './config/schema.ts';
import type { WatcherTiming } from './ingest/imap/watcher.ts';
import { startWatcherRole, type SourceStatus, type Stopper } from './ingest/role.ts';
import { startIntakeRole } from './intake/role.ts';
import { checkConfigSemantics } from './config-checks.ts';
import { assertTlsVerificationOn, plainTextWarnings } from './config/tls-policy.ts';
import { checkSepmMode } from './config/sepm-mode.ts';
import { startEnrichRole, type SepmSimulator } from './enrich/role.ts';
import type { SepmHandle } from './enrich/start.ts';
import { startOpsRole, startWebRole } from './http/role.ts';
import type { JobRuntime } from './jobs/runtime.ts';
import { AppError, ErrorCodes, describeError } from './shared/errors.ts';
import type { Logger } from './shared/logger.ts';
import { redactUrl } from './shared/redis.ts';
import { claimEmbeddedStore } from './soar/embedded/claim.ts';
import { openEmbeddedStore, type EmbeddedStore } from './soar/embedded/store.ts';
import type { PostgresStore } from './soar/postgres/store.ts';
import type { SoarClient } from './soar/port.ts';

export type { SourceStatus } from './ingest/role.ts';

/**
 * Composition root: the only file that constructs Redis connections, BullMQ queues, workers and queue-event
 * streams (handed to the roles as a JobRuntime) and the adapters (SOAR), and wires them into the roles.
 * `watcher` = mail sources → intake queue; `worker` = intake queue → SOAR → incident-ready; `enrich` =
 * incident-ready, sep and tracking queues → SEPM → incident (the only role that talks to SEPM); `web` = HTTP server
 * (dashboard, API, review UI); `all` = every role in one process.
 */
export type Role = 'watcher' | 'worker' | 'enrich' | 'web' | 'all';
export const ROLES: readonly Role[] = ['watcher', 'worker', 'enrich', 'web', 'all'];

export interface StartOptions {
  config: Config;
  roles: Role[];
  logger: Logger;
  /** Intake jobs processed in parallel by this process. */
  workerConcurrency?: number;
  /** Overrides for IMAP watcher timing (tests, benchmarks). */
  watcherTiming?: Partial<WatcherTiming>;
  /** Starts the built-in SEPM simulator for `sepm.mode: simulator`; injected by src/cli/demo.ts, never imported. */
  sepmSimulator?: () => Promise<SepmSimulator>;
}

export interface RunningService {
  /** Stop taking mail, let running jobs finish within deadlineMs, close every connection. */
  stop(deadlineMs?: number): Promise<void>;
  /** Absolute spool directory when the spool source runs in this process. */
  spoolDir?: string;
  soar?: SoarClient;
  /** URL of the web role when it runs in this process. */
  webUrl?: string;
  /** URL of the ops listener (/healthz, /readyz, /metrics) when the web role does not run here and ops.port is set. */
  opsUrl?: string;
  /** Mail-source state for health/readiness endpoints (empty without the watcher role). */
  sources(): SourceStatus[];
}

/**
 * A connection for BullMQ workers and blocking commands: BullMQ requires maxRetriesPerRequest null so blocked
 * calls survive reconnects instead of failing after 20 tries.
 */
function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** The factories every role (and the CLI, tests and benchmarks) gets its Redis objects from. */
export function createJobRuntime(url: string, prefix: string, logger?: Logger): JobRuntime {
  return {
    prefix,
    redis: (label) => {
      const redis = connect(url);
      redis.on('error', (err) => logger?.warn({ err: err.message }, `redis connection error (${label})`));
      return redis;
    },
    queue: (name, connection) => new Queue(name, { connection, prefix }),
    worker: (name, processor, opts) =>
      new Worker(name, processor, { connection: opts.connection, prefix, concurrency: opts.concurrency }),
    queueEvents: (name) => new QueueEvents(name, { connection: { url }, prefix }),
  };
}

/**
 * Fails fast with one clear message when Redis is not there, instead of ioredis retrying silently forever.
 * Waits at most `timeoutMs` (ms).
 */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new AppError(
      ErrorCodes.REDIS_UNREACHABLE,
      `Redis is not reachable at ${redactUrl(url)} (${(err as Error).message}). Start Redis or set SEPM_INTAKE_REDIS_URL.`,
      { retryable: true, cause: err },
    );
  } finally {
    probe.disconnect();
  }
}

export async function startService(opts: StartOptions): Promise<RunningService> {
  const { config, logger } = opts;
  const roles = new Set<Role>(opts.roles.includes('all') ? ['watcher', 'worker', 'enrich', 'web'] : opts.roles);
  checkConfigSemantics(config);
  // Certificate verification is never off: a process-wide switch in the environment is refused, not obeyed.
  assertTlsVerificationOn(process.env);
  for (const warning of plainTextWarnings(config)) logger.warn({ tls: 'off' }, `NO TLS: ${warning}`);
  // Before Redis: a SEPM misconfiguration is reported as such, not hidden behind a connection error.
  checkSepmMode(config, { needsSepm: roles.has('enrich') || (roles.has('web') && config.http.enabled) });
  await assertRedisReachable(config.redis.url);
  const runtime = createJobRuntime(config.redis.url, config.redis.prefix, logger);
  const redis = runtime.redis('main');
  // Stopped in order: mail sources first (no new mail), then workers (drain), then stores and connections.
  const sources: Stopper[] = [];
  const workers: Stopper[] = [];
  const resources: Stopper[] = [];
  const statuses: (() => SourceStatus)[] = [];
  const service: RunningService = {
    sources: () => statuses.map((f) => f()),
    stop: async (deadlineMs = 30_000) => {
      for (const group of [sources, workers, resources]) {
        await Promise.all(
          group.map((s) =>
            s(deadlineMs).catch((err: unknown) => logger.warn({ err: describeError(err) }, 'shutdown step failed')),
          ),
        );
      }
      redis.disconnect();
    },
  };
  try {
    const soar = roles.has('worker') || roles.has('enrich') || roles.has('web') ? await openSoar(config, logger) : null;
    let sepm: SepmHandle | undefined;
    if (soar) {
      service.soar = soar;
      resources.push(() => soar.close());
      // One host only: a second host's store file on this Redis is refused before any work is taken.
      if (soar.kind === 'embedded') {
        const store = soar as EmbeddedStore;
        await claimEmbeddedStore(redis, config.redis.prefix, store.storeId, store.path);
      }
      if (roles.has('enrich')) {
        const enrich = await startEnrichRole(runtime, config, logger, soar, opts.sepmSimulator);
        resources.push(...enrich.resources);
        workers.push(() => enrich.stopWorkers());
        sepm = enrich.sepm;
      }
      if (roles.has('worker')) workers.push(startIntakeRole(runtime, config, logger, soar, opts.workerConcurrency));
      if (roles.has('web') && config.http.enabled) {
        const store = reviewStoreOf(soar);
        const web = await startWebRole(runtime, config, logger, soar, store, sepm, () => service.sources());
        service.webUrl = web.url;
        sources.push(() => web.stop());
      }
    }
    if (roles.has('watcher')) {
      const watcher = await startWatcherRole(runtime, config, logger, redis, opts.watcherTiming);
      sources.push(...watcher.sources);
      resources.push(...watcher.resources);
      statuses.push(...watcher.statuses);
      if (watcher.spoolDir) service.spoolDir = watcher.spoolDir;
    }
    if (!service.webUrl) {
      const ops = await startOpsRole(config, logger, { redis, soar, sepm, mailSources: () => service.sources() });
      if (ops) {
        service.opsUrl = ops.url;
        resources.push(() => ops.stop());
      }
    }
  } catch (err) {
    await service.stop(5000);
    throw err;
  }
  logger.info({ roles: [...roles], prefix: config.redis.prefix, sepmMode: config.sepm.mode }, 'sepm-intake started');
  return service;
}

/** The review side of the incident store when the store is ours (embedded or postgres); IBM SOAR has its own UI. */
function reviewStoreOf(soar: SoarClient): EmbeddedStore | PostgresStore | undefined {
  if (soar.kind === 'embedded') return soar as EmbeddedStore;
  if (soar.kind === 'postgres') return soar as PostgresStore;
  return undefined;
}

async function openSoar(config: Config, logger: Logger): Promise<SoarClient> {
  if (config.soar.kind === 'ibm') {
    const { createIbmSoarClient } = await import('./soar/ibm/soar.ts');
    if (!config.soar.ibm)
      throw new AppError(ErrorCodes.CONFIG_INVALID, 'soar.kind is ibm but soar.ibm is not configured');
    return createIbmSoarClient(config.soar.ibm, logger);
  }
  if (config.soar.kind === 'postgres') {
    const { openPostgresStore, postgresSettings } = await import('./soar/postgres/store.ts');
    return openPostgresStore(postgresSettings(config.soar.postgres), { logger });
  }
  const path = resolve(config.soar.embedded.path);
  mkdirSync(dirname(path), { recursive: true });
  return openEmbeddedStore(path);
}

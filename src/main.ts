import { mkdirSync, readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
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
import { inspectRedisSettings, type RedisSettingsReport } from './shared/redis-settings.ts';
import { classifyRedisError, redisErrorReporter } from './shared/redis-errors.ts';
import { openEmbeddedStore, type EmbeddedStore } from './soar/embedded/store.ts';
import type { PostgresStore } from './soar/postgres/store.ts';
import { compileSeverityRules, type CompiledSeverityRules } from './intake/severity-rules.ts';
import { protectedRules } from './enrich/containment/index.ts';
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

/** What the Redis user may do, as found at start (shared/redis-settings.ts). */
export interface RedisAccess {
  /** False for an ACL user without INFO (`-@dangerous`): ioredis' ready check and BullMQ's version check use it. */
  infoAllowed: boolean;
  /** TLS material for `rediss://` (CA bundle, client certificate); verification is never turned off. */
  tls?: ConnectionOptions;
}

/** Reads redis.caBundle / clientCert / clientKey; refuses them on a plain redis:// URL (they would be ignored). */
export function redisTlsOptions(redis: Config['redis']): ConnectionOptions | undefined {
  const files = { ca: redis.caBundle, cert: redis.clientCert, key: redis.clientKey };
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (!redis.url.startsWith('rediss://'))
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'redis.caBundle/clientCert/clientKey need a rediss:// redis.url');
  if (!files.cert !== !files.key)
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'redis.clientCert and redis.clientKey go together');
  const read = (what: string, path: string | undefined): string | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new AppError(ErrorCodes.CONFIG_INVALID, `cannot read redis.${what} ${path}`, { cause: err });
    }
  };
  const ca = read('caBundle', files.ca);
  const cert = read('clientCert', files.cert);
  const key = read('clientKey', files.key);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/**
 * A connection for BullMQ workers and blocking commands: BullMQ requires maxRetriesPerRequest null so blocked
 * calls survive reconnects instead of failing after 20 tries.
 */
function connect(url: string, access: RedisAccess): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: access.infoAllowed,
    lazyConnect: false,
    ...(access.tls ? { tls: access.tls } : {}),
  });
}

/** The factories every role (and the CLI, tests and benchmarks) gets its Redis objects from. */
export function createJobRuntime(
  url: string,
  prefix: string,
  logger?: Logger,
  access: RedisAccess = { infoAllowed: true },
): JobRuntime {
  // BullMQ reads the server version with INFO on every new connection; a user without INFO would fail there.
  const skipVersionCheck = !access.infoAllowed;
  // Every Redis object gets an 'error' listener (BullMQ prints raw stack traces with console.error without one),
  // logged through pino once per cause and minute, named by its cause (WRONGPASS, NOPERM, certificate).
  const report = redisErrorReporter(logger);
  const listen = <T extends { on(event: 'error', fn: (err: Error) => void): unknown }>(label: string, o: T): T => {
    o.on('error', (err: Error) => report(label, err));
    return o;
  };
  return {
    prefix,
    redis: (label) => listen(`redis connection (${label})`, connect(url, access)),
    queue: (name, connection) => listen(`queue ${name}`, new Queue(name, { connection, prefix, skipVersionCheck })),
    worker: (name, processor, opts) =>
      listen(
        `worker ${name}`,
        new Worker(name, processor, {
          connection: opts.connection,
          prefix,
          concurrency: opts.concurrency,
          skipVersionCheck,
        }),
      ),
    queueEvents: (name) =>
      listen(
        `queue events ${name}`,
        new QueueEvents(name, {
          connection: { url, enableReadyCheck: access.infoAllowed, ...(access.tls ? { tls: access.tls } : {}) },
          prefix,
          skipVersionCheck,
        }),
      ),
  };
}

/**
 * Reads what Redis keeps and may evict and says so loudly when it keeps nothing on disk or may evict keys
 * (docs/operations.md); never fails the start: no mail is lost either way, only queued work after intake.
 */
export async function checkRedisSettings(
  url: string,
  logger: Logger,
  tls?: ConnectionOptions,
): Promise<RedisSettingsReport> {
  const probe = new Redis(url, {
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const report = await inspectRedisSettings(probe);
    for (const w of report.warnings)
      logger.warn(
        { redis: redactUrl(url), persistence: report.persistence, evictionPolicy: report.evictionPolicy },
        `REDIS: ${w}`,
      );
    return report;
  } catch (err) {
    const report: RedisSettingsReport = {
      persistence: 'unknown',
      evictionPolicy: undefined,
      infoAllowed: true,
      warnings: [`cannot check Redis settings: ${describeError(err)}`],
    };
    logger.warn({ redis: redactUrl(url) }, `REDIS: ${report.warnings[0]}`);
    return report;
  } finally {
    probe.disconnect();
  }
}

/**
 * Fails fast with one clear message when Redis is not there, instead of ioredis retrying silently forever.
 * Waits at most `timeoutMs` (ms).
 */
export async function assertRedisReachable(url: string, timeoutMs = 3000, tls?: ConnectionOptions): Promise<void> {
  const probe = new Redis(url, {
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  // ioredis rejects with `Connection is closed`; the real cause (WRONGPASS, certificate) comes as an event.
  let event: Error | undefined;
  probe.on('error', (e: Error) => (event ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const cause = classifyRedisError(event ?? err);
    const unreachable = cause.code === ErrorCodes.REDIS_UNREACHABLE;
    throw new AppError(
      cause.code,
      unreachable
        ? `Redis is not reachable at ${redactUrl(url)} (${cause.message}). Start Redis or set SEPM_INTAKE_REDIS_URL.`
        : `Redis at ${redactUrl(url)}: ${cause.message}`,
      { retryable: unreachable, cause: err },
    );
  } finally {
    probe.disconnect();
  }
}

export async function startService(opts: StartOptions): Promise<RunningService> {
  const { config, logger } = opts;
  const roles = new Set<Role>(opts.roles.includes('all') ? ['watcher', 'worker', 'enrich', 'web'] : opts.roles);
  checkConfigSemantics(config);
  compileSeverityRules(config.soar.severity);
  // Certificate verification is never off: a process-wide switch in the environment is refused, not obeyed.
  assertTlsVerificationOn(process.env);
  for (const warning of plainTextWarnings(config)) logger.warn({ tls: 'off' }, `NO TLS: ${warning}`);
  // Before Redis: a SEPM misconfiguration is reported as such, not hidden behind a connection error.
  checkSepmMode(config, { needsSepm: roles.has('enrich') || (roles.has('web') && config.http.enabled) });
  const tls = redisTlsOptions(config.redis);
  await assertRedisReachable(config.redis.url, 3000, tls);
  const redisSettings = await checkRedisSettings(config.redis.url, logger, tls);
  const runtime = createJobRuntime(config.redis.url, config.redis.prefix, logger, {
    infoAllowed: redisSettings.infoAllowed,
    ...(tls ? { tls } : {}),
  });
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
      if (roles.has('worker')) {
        const rules = severityRulesOf(config);
        workers.push(startIntakeRole(runtime, config, logger, soar, rules, opts.workerConcurrency));
      }
      if (roles.has('web') && config.http.enabled) {
        const store = reviewStoreOf(soar);
        const web = await startWebRole(
          runtime,
          config,
          logger,
          soar,
          store,
          sepm,
          () => service.sources(),
          redisSettings,
        );
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

/** The severity rules; `protected: true` asks the same protected lists the containment policy refuses on. */
function severityRulesOf(config: Config): CompiledSeverityRules {
  return compileSeverityRules(config.soar.severity, (ev) => {
    const target = { computer: ev.computer ?? ev.targetComputer, ips: ev.ips, ip: ev.targetIp, group: ev.group };
    return protectedRules(target, config.policy)[0] ?? null;
  });
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

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from './config/schema.ts';
import { ImapWatcher, type WatcherTiming } from './ingest/imap/watcher.ts';
import { createIntakeProducer, type IntakeProducer } from './jobs/intake-queue.ts';
import { createIntakeWorker } from './intake/worker.ts';
import { SpoolSource } from './ingest/spool/spool-source.ts';
import { checkConfigSemantics } from './config/semantics.ts';
import { assertTlsVerificationOn, plainTextWarnings } from './config/tls-policy.ts';
import { checkSepmMode } from './config/sepm-mode.ts';
import {
  createSepmFromConfig,
  sepmConfigFor,
  startEnrichment,
  type EmbeddedSepm,
  type SepmHandle,
} from './enrich/start.ts';
import { analyzeMail, analyzeOptionsFromConfig } from './intake/analyze.ts';
import { AppError, ErrorCodes, describeError } from './shared/errors.ts';
import type { Logger } from './shared/logger.ts';
import { assertRedisReachable, createRedis } from './shared/redis.ts';
import { openEmbeddedStore, type EmbeddedStore } from './soar/embedded/store.ts';
import { mapToIncidents } from './intake/mapper.ts';
import { compileSeverityRules } from './intake/severity-rules.ts';
import { protectedRules } from './enrich/containment/index.ts';
import type { SoarClient } from './soar/port.ts';

/**
 * Composition root: the only place that builds adapters (Redis, IMAP, spool, SOAR) and wires them into the
 * roles. `watcher` = mail sources → intake queue; `worker` = intake queue → SOAR → incident-ready;
 * `enrich` = incident-ready, sep and tracking queues → SEPM → incident (the only role that talks to SEPM);
 * `web` = HTTP server (dashboard, API, review UI); `all` = every role in one process.
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

/** A running SEPM simulator as the enrich role needs it: where it listens, its CA and login, and how to stop it. */
export interface SepmSimulator extends EmbeddedSepm {
  url: string;
  stop(): Promise<void>;
}

export interface RunningService {
  /** Stop taking mail, let running jobs finish within deadlineMs, close every connection. */
  stop(deadlineMs?: number): Promise<void>;
  /** Absolute spool directory when the spool source runs in this process. */
  spoolDir?: string;
  soar?: SoarClient;
  /** URL of the web role when it runs in this process. */
  webUrl?: string;
  /** Mail-source state for health/readiness endpoints (empty without the watcher role). */
  sources(): SourceStatus[];
}

export interface SourceStatus {
  name: string;
  kind: 'imap' | 'spool';
  /** imap: new | standby | connecting | active | stopped (standby = another replica holds the mailbox lock). */
  state: string;
  /** Epoch ms of the last mail seen by this process (imap only). */
  lastMailAt?: number;
}

type Stopper = (deadlineMs: number) => Promise<void>;

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
  await assertRedisReachable(config.redis.url);
  const redis = createRedis(config.redis.url);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
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
    if (soar) {
      service.soar = soar;
      resources.push(() => soar.close());
      const sepm = roles.has('enrich') ? await startEnrichRole(opts, soar, workers, resources) : undefined;
      if (roles.has('worker')) await startWorker(opts, soar, workers, resources);
      if (roles.has('web') && config.http.enabled) await startWebRole(config, logger, soar, sepm, service, sources);
    }
    if (roles.has('watcher')) await startSources(opts, redis, service, sources, resources, statuses);
  } catch (err) {
    await service.stop(5000);
    throw err;
  }
  logger.info({ roles: [...roles], prefix: config.redis.prefix, sepmMode: config.sepm.mode }, 'sepm-intake started');
  return service;
}

async function startWorker(
  opts: StartOptions,
  soar: SoarClient,
  workers: Stopper[],
  resources: Stopper[],
): Promise<void> {
  const { config, logger } = opts;
  const connection = createRedis(config.redis.url);
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error (worker)'));
  resources.push(async () => connection.disconnect());
  const analyzeOptions = analyzeOptionsFromConfig(config);
  // The `protected: true` severity rules ask the same protected lists the containment policy refuses on.
  const severityRules = compileSeverityRules(config.soar.severity, (ev) => {
    const target = { computer: ev.computer ?? ev.targetComputer, ips: ev.ips, ip: ev.targetIp, group: ev.group };
    return protectedRules(target, config.policy)[0] ?? null;
  });
  const handle = createIntakeWorker({
    connection,
    prefix: config.redis.prefix,
    concurrency: opts.workerConcurrency ?? 8,
    logger,
    deps: {
      analyze: (raw) => analyzeMail(raw, analyzeOptions),
      toIncidents: (n, artifacts, mail) => mapToIncidents(n, artifacts, mail, { severityRules }),
      soar,
      mergeWindowMs: config.soar.mergeWindowHours * 3600_000,
      rejectUntrusted: senderChecksConfigured(config),
    },
  });
  workers.push((deadlineMs) => handle.close(deadlineMs));
}

async function startSources(
  opts: StartOptions,
  redis: Redis,
  service: RunningService,
  sources: Stopper[],
  resources: Stopper[],
  statuses: (() => SourceStatus)[],
): Promise<void> {
  const { config, logger } = opts;
  const producer: IntakeProducer = createIntakeProducer(redis, config.redis.prefix, logger);
  resources.push(() => producer.close());
  const filter = config.mail.filter;
  for (const source of config.mail.imap) {
    const w = new ImapWatcher({
      source,
      filter,
      redis,
      prefix: config.redis.prefix,
      producer,
      logger,
      timing: opts.watcherTiming ?? {},
    });
    w.start();
    statuses.push(() => ({ name: source.name, kind: 'imap', state: w.state, lastMailAt: w.lastMailAt }));
    sources.push((deadlineMs) => w.stop(deadlineMs));
  }
  if (config.mail.spool.enabled) {
    const dir = resolve(config.mail.spool.dir);
    const spool = new SpoolSource({
      dir,
      pollMs: config.mail.spool.pollMs,
      filter,
      producer,
      logger: logger.child({ source: 'spool' }),
    });
    await spool.start();
    service.spoolDir = dir;
    statuses.push(() => ({ name: 'spool', kind: 'spool', state: 'active' }));
    sources.push((deadlineMs) => spool.stop(deadlineMs));
  }
}

/**
 * The enrichment consumer (incident-ready, sep and tracking queues) runs beside the intake worker. In simulator
 * mode (the demo: `start --demo`, what `npm start` runs) the injected SEPM simulator is started in-process on
 * loopback (HTTPS, its own CA: verification stays on), so the whole flow runs on a fresh machine; the log says so
 * loudly. The simulator is never chosen because a key is missing: checkSepmMode has refused that already.
 */
async function startEnrichRole(
  opts: StartOptions,
  soar: SoarClient,
  workers: Stopper[],
  resources: Stopper[],
): Promise<SepmHandle> {
  const { config, logger } = opts;
  let sepm: SepmHandle | undefined;
  if (config.sepm.mode === 'simulator') {
    if (!opts.sepmSimulator) {
      throw new AppError(
        ErrorCodes.CONFIG_INVALID,
        'sepm.mode is simulator but no simulator was provided to this process (run it with `sepm-intake start`)',
      );
    }
    const sim = await opts.sepmSimulator();
    resources.push(() => sim.stop());
    const handle = createSepmFromConfig(sepmConfigFor(config.sepm, sim), logger);
    resources.push(() => handle.close());
    sepm = handle;
    logger.warn(
      { url: sim.url, sepmMode: 'simulator' },
      'DEMO MODE (sepm.mode: simulator): enrichment talks to the built-in SEPM simulator on loopback and writes ' +
        'made-up endpoint data into incidents; never use this with real mail',
    );
  }
  const enrich = await startEnrichment({
    config,
    connection: config.redis.url,
    prefix: config.redis.prefix,
    soar,
    logger,
    ...(sepm ? { sepm } : {}),
  });
  workers.push(() => enrich.close());
  return enrich.sepm;
}

/**
 * The web role (dashboard, job API, review UI, health, metrics). It is stopped with the mail sources, first, so
 * no new work is accepted while the workers drain. SEPM readiness is probed with GET /version (no side effects)
 * on this process's SEPM client, or on a probe-only client when the enrich role runs elsewhere.
 */
async function startWebRole(
  config: Config,
  logger: Logger,
  soar: SoarClient,
  sepm: SepmHandle | undefined,
  service: RunningService,
  sources: Stopper[],
): Promise<void> {
  const { startHttpServer } = await import('./http/server.ts');
  const live = config.sepm.mode === 'live';
  // checkSepmMode guarantees sepm.host in live mode when the web role runs.
  const probe = sepm ?? (live && config.sepm.host ? createSepmFromConfig(config.sepm, logger) : undefined);
  const web = await startHttpServer({
    config,
    redisUrl: config.redis.url,
    prefix: config.redis.prefix,
    soar,
    logger,
    ...(soar.kind === 'embedded' ? { store: soar as EmbeddedStore } : {}),
    mailSources: () => service.sources(),
    readiness: async () => ({ sepm: await sepmReadiness(probe, live) }),
  });
  service.webUrl = web.url;
  sources.push(async () => {
    await web.close();
    if (probe && probe !== sepm) await probe.close();
  });
}

/**
 * GET /version on the SEPM this process uses. In simulator mode the check stays ready but says "simulator", so a
 * demo is visible on every /readyz; when the simulator runs in another process there is nothing here to probe.
 */
async function sepmReadiness(sepm: SepmHandle | undefined, live: boolean): Promise<{ ok: boolean; detail?: string }> {
  if (!sepm) return live ? { ok: false, detail: 'no SEPM client' } : { ok: true, detail: 'simulator' };
  try {
    await sepm.client.request('GET', '/version', { retry: false });
    return live ? { ok: true } : { ok: true, detail: 'simulator' };
  } catch (err) {
    return { ok: false, detail: live ? describeError(err) : `simulator: ${describeError(err)}` };
  }
}

/** True when at least one sender-authenticity check is on (then an untrusted verdict means forged mail). */
export function senderChecksConfigured(config: Config): boolean {
  const a = config.senderAuth;
  return a.requireSpf || a.requireDkim || a.requireDmarc || a.trustedRelays.length > 0;
}

async function openSoar(config: Config, logger: Logger): Promise<SoarClient> {
  if (config.soar.kind === 'ibm') {
    const { createIbmSoarClient } = await import('./soar/ibm/soar.ts');
    if (!config.soar.ibm)
      throw new AppError(ErrorCodes.CONFIG_INVALID, 'soar.kind is ibm but soar.ibm is not configured');
    return createIbmSoarClient(config.soar.ibm, logger);
  }
  const path = resolve(config.soar.embedded.path);
  mkdirSync(dirname(path), { recursive: true });
  return openEmbeddedStore(path);
}

import type { Config } from '../config/schema.ts';
import { createSepmFromConfig, type SepmHandle } from '../enrich/start.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import { describeError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { SoarClient } from '../soar/port.ts';
import type { RedisSettingsReport } from '../shared/redis-settings.ts';
import type { HttpContext, MailSourceStatus, ReadinessCheck } from './context.ts';

/**
 * The web role (dashboard, job API, review UI, health, metrics). SEPM readiness is probed with GET /version (no
 * side effects) on this process's SEPM client, or on a probe-only client when the enrich role runs elsewhere.
 * Returns its URL and its stopper (stopped with the mail sources, first, so no new work is accepted while the
 * workers drain).
 */
export async function startWebRole(
  runtime: JobRuntime,
  config: Config,
  logger: Logger,
  soar: SoarClient,
  store: HttpContext['store'],
  sepm: SepmHandle | undefined,
  mailSources: () => MailSourceStatus[],
  redisSettings?: RedisSettingsReport,
): Promise<{ url: string; stop(): Promise<void> }> {
  const { startHttpServer } = await import('./server.ts');
  const live = config.sepm.mode === 'live';
  // checkSepmMode guarantees sepm.host in live mode when the web role runs.
  const probe = sepm ?? (live && config.sepm.host ? createSepmFromConfig(config.sepm, logger, runtime) : undefined);
  const web = await startHttpServer({
    config,
    runtime,
    soar,
    logger,
    ...(store ? { store } : {}),
    mailSources,
    readiness: async () => ({
      sepm: await sepmReadiness(probe, live),
      ...(redisSettings ? { redisSettings: redisSettingsReadiness(redisSettings) } : {}),
    }),
  });
  return {
    url: web.url,
    stop: async () => {
      await web.close();
      if (probe && probe !== sepm) await probe.close();
    },
  };
}

/**
 * The ops listener of a process without the web role: /healthz, /readyz (Redis, the incident store when this
 * process opened one, its mail sources, SEPM when it runs enrich) and /metrics on `ops.host:ops.port`. Without
 * `ops.port` there is none, and the log says that this process cannot be scraped.
 */
export async function startOpsRole(
  config: Config,
  logger: Logger,
  deps: {
    redis: { ping(): Promise<unknown> };
    soar: SoarClient | null;
    sepm: SepmHandle | undefined;
    mailSources: () => MailSourceStatus[];
  },
): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const { port, host } = config.ops;
  if (port === undefined) {
    logger.warn('no ops.port: this process (no web role) serves no /healthz, /readyz or /metrics');
    return undefined;
  }
  const { startOpsListener } = await import('./ops/ops-listener.ts');
  const live = config.sepm.mode === 'live';
  const { sepm } = deps;
  const readiness: ReadinessCheck = async () => {
    const checks: Awaited<ReturnType<ReadinessCheck>> = {};
    if (sepm) checks.sepm = await sepmReadiness(sepm, live);
    return checks;
  };
  const ops = await startOpsListener(
    { host, port },
    {
      redis: deps.redis,
      soar: deps.soar ?? undefined,
      mailSources: deps.mailSources,
      readiness,
    },
    logger,
  );
  return { url: ops.url, stop: () => ops.close() };
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

/**
 * Ready either way (no mail is lost, docs/operations.md), but /readyz says when Redis keeps nothing on disk or may
 * evict keys, as found at start.
 */
function redisSettingsReadiness(r: RedisSettingsReport): { ok: boolean; detail: string } {
  const summary = `persistence ${r.persistence}, maxmemory-policy ${r.evictionPolicy ?? 'unknown'}`;
  return { ok: true, detail: r.warnings.length > 0 ? `WARNING: ${r.warnings.join('; ')} (${summary})` : summary };
}

import type { FastifyInstance } from 'fastify';
import { describeError } from '../../shared/errors.ts';
import { registry } from '../../shared/metrics.ts';
import type { MailSourceStatus, ReadinessCheck } from '../context.ts';

/**
 * /healthz (process up), /readyz (each dependency with its own status), /metrics (Prometheus text). Shared by the
 * web server (behind its gate) and the ops listener of processes without the web role (ops-listener.ts).
 */

/** What health and readiness need: the web server's deps satisfy it, so does the ops listener's. */
export interface HealthDeps {
  redis: { ping(): Promise<unknown> };
  /** Absent for the watcher role, which opens no incident store. */
  soar?: { ping(): Promise<unknown> } | undefined;
  readiness: ReadinessCheck;
  mailSources?: (() => MailSourceStatus[]) | undefined;
}

type Status = { ok: boolean; detail?: string };

/** A probe that has not answered within `ms` (ms) counts as down: /readyz must answer even when Redis hangs. */
async function probe(call: () => Promise<unknown>, ms = 3000): Promise<Status> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Status>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([call().then(() => ({ ok: true })), timeout]);
  } catch (err) {
    return { ok: false, detail: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** A watcher is ready when connected or standing by (another replica holds the mailbox lock). */
export function mailSourceChecks(sources: MailSourceStatus[]): Record<string, Status> {
  const out: Record<string, Status> = {};
  for (const s of sources) {
    const ok = s.kind === 'imap' ? s.state === 'active' || s.state === 'standby' : s.state !== 'stopped';
    out[`mailbox:${s.name}`] = ok ? { ok, detail: s.state } : { ok, detail: `watcher is ${s.state}` };
  }
  return out;
}

export async function readiness(deps: HealthDeps): Promise<Record<string, Status>> {
  const store = deps.soar;
  const [redis, soar, others] = await Promise.all([
    probe(() => deps.redis.ping()),
    store ? probe(() => store.ping()) : undefined,
    deps.readiness().catch((err: unknown) => ({ readiness: { ok: false, detail: describeError(err) } })),
  ]);
  return { redis, ...(soar ? { soar } : {}), ...mailSourceChecks(deps.mailSources?.() ?? []), ...others };
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await readiness(deps);
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}

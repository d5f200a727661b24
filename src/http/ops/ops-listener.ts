import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { OpsConfig } from '../../config/schema.ts';
import type { Logger } from '../../shared/logger.ts';
import { registerHealthRoutes, type HealthDeps } from './health.ts';

/**
 * The ops listener of a process that does not run the web role (watcher, worker, enrich): the same /healthz,
 * /readyz and /metrics as the web server (health.ts, one registry per process), without authentication — hence
 * loopback by default (`ops.host`). Nothing else is served: no dashboard, no API, no job data.
 */

export interface RunningOpsListener {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

export async function startOpsListener(
  cfg: OpsConfig & { port: number },
  deps: HealthDeps,
  logger: Logger,
): Promise<RunningOpsListener> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024,
    // Scrapers answer within seconds; a slow client must not hold a socket (ms).
    requestTimeout: 10_000,
    connectionTimeout: 30_000,
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
    return payload;
  });
  registerHealthRoutes(app, deps);
  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  const url = `http://${host}:${port}`;
  logger.info({ url }, 'ops listener (/healthz, /readyz, /metrics)');
  return { url, close: () => app.close() };
}

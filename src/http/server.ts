import fastifyCookie from '@fastify/cookie';
import type { Queue } from 'bullmq';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { HttpConfig } from '../config/schema.ts';
import { isAppError } from '../shared/errors.ts';
import { registerJobCounts, registerLastMailProvider } from '../shared/metrics.ts';
import { QueueNames, type QueueName } from '../jobs/queues.ts';
import { registerApiRoutes } from './api/api.ts';
import { Credentials } from './auth/auth.ts';
import { RedisLoginLimiter, RedisSessionStore, sharedCookieSecret } from './auth/shared-state.ts';
import { registerBoards } from './ops/board.ts';
import type { HttpContext, HttpDeps } from './context.ts';
import { installGate, routeOf } from './auth/gate.ts';
import { registerHealthRoutes } from './ops/health.ts';
import { serverRoots } from './redact.ts';
import { registerUiRoutes } from './ui/ui.ts';

export type { HttpContext } from './context.ts';

/**
 * The web role: Bull Board, the job-trigger API, health and metrics, and the review UI, behind one
 * authentication hook. Everything but /healthz, the login page and its stylesheet needs a principal.
 */

const UI_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
// Bull Board's bundle sets inline styles; its scripts are same-origin files (the inline JSON block is not run).
const BOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

function installHooks(app: FastifyInstance, deps: HttpDeps): void {
  installGate(app, deps);
  app.addHook('onSend', async (req, reply, payload) => {
    const board = routeOf(req).startsWith('/admin/queues');
    if (!reply.getHeader('content-security-policy'))
      reply.header('content-security-policy', board ? BOARD_CSP : UI_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (isAppError(err)) {
      const status = err.code === 'SOAR_NOT_FOUND' ? 404 : err.status && err.status < 500 ? err.status : 500;
      return reply.code(status).send({ error: err.code, message: err.message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err: err.message }, 'request failed');
    return reply.code(status).send({ error: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: err.message });
  });
}

/**
 * Node's HTTP timeouts from config (seconds there, ms here). requestTimeout bounds the whole request, body
 * included, so a client trickling its body is cut off; Node checks it every connectionsCheckingInterval, kept
 * at a quarter of the shortest timeout so the cut-off lands close to the configured value.
 */
function timeouts(cfg: HttpConfig) {
  const ms = (sec: number) => Math.round(sec * 1000);
  const check = Math.max(50, Math.min(30_000, ms(Math.min(cfg.headersTimeoutSec, cfg.requestTimeoutSec)) / 4));
  return {
    requestTimeout: ms(cfg.requestTimeoutSec),
    connectionTimeout: ms(cfg.connectionTimeoutSec),
    keepAliveTimeout: ms(cfg.keepAliveTimeoutSec),
    http: { headersTimeout: ms(cfg.headersTimeoutSec), connectionsCheckingInterval: Math.round(check) },
  };
}

export async function buildHttpServer(ctx: HttpContext): Promise<FastifyInstance> {
  const credentials = new Credentials(ctx.config.http);
  await credentials.init();
  if (credentials.empty) ctx.logger.warn('http: no users or tokens configured; every request will be refused');
  const redis = ctx.runtime.redis('http');
  const queues = Object.fromEntries(Object.values(QueueNames).map((n) => [n, ctx.runtime.queue(n, redis)])) as Record<
    QueueName,
    Queue
  >;
  const deps: HttpDeps = {
    ...ctx,
    redis,
    queues,
    credentials,
    sessions: new RedisSessionStore(redis, ctx.runtime.prefix, undefined, ctx.config.http.maxSessions),
    limiter: new RedisLoginLimiter(redis, ctx.runtime.prefix, ctx.config.http.loginRateLimitPerMin),
    serverRoots: serverRoots(ctx.config.mail.spool.dir),
  };
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ...timeouts(ctx.config.http),
    // Only these proxies' X-Forwarded-For / -Proto are believed (client address for the limiter, https for
    // the Secure cookie); false: the socket's own address and protocol.
    trustProxy: ctx.config.http.trustProxy === false ? false : ctx.config.http.trustProxy,
  });
  // Sessions are server-side (Redis); the signature only stops forged ids from reaching the lookup. One secret
  // for the deployment (kept in Redis) so a cookie set by one replica verifies on every other and after a restart.
  await app.register(fastifyCookie, { secret: await sharedCookieSecret(redis, ctx.runtime.prefix) });
  installHooks(app, deps);
  const unregister = registerJobCounts(async () => {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, q] of Object.entries(queues)) out[name] = await q.getJobCounts();
    return out;
  });
  const sources = ctx.mailSources;
  const unregisterSources = sources
    ? registerLastMailProvider(() => sources().map((s) => ({ mailbox: s.name, lastMailAt: s.lastMailAt })))
    : () => false;
  registerHealthRoutes(app, deps);
  registerApiRoutes(app, deps);
  await registerBoards(app, Object.values(queues), deps.serverRoots);
  await app.register(async (scope) => registerUiRoutes(scope, deps));
  app.addHook('onClose', async () => {
    unregister();
    unregisterSources();
    await Promise.all(Object.values(queues).map((q) => q.close()));
    redis.disconnect();
  });
  return app;
}

export interface RunningHttpServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

/** Builds the server and listens on config.http.host:port (port 0 = any free port, for tests). */
export async function startHttpServer(ctx: HttpContext): Promise<RunningHttpServer> {
  const app = await buildHttpServer(ctx);
  try {
    await app.listen({ host: ctx.config.http.host, port: ctx.config.http.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : ctx.config.http.port;
  const host = ctx.config.http.host.includes(':') ? `[${ctx.config.http.host}]` : ctx.config.http.host;
  const url = `http://${host}:${port}`;
  ctx.logger.info({ url }, 'web role listening (dashboard /admin/queues, review UI /incidents, API /api)');
  return { app, url, close: () => app.close() };
}

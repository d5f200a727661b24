import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { Queue } from 'bullmq';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { isAppError } from '../shared/errors.ts';
import { registerJobCounts, registerLastMailProvider } from '../shared/metrics.ts';
import { QueueNames, type QueueName } from '../shared/queues.ts';
import { createRedis } from '../shared/redis.ts';
import { registerApiRoutes } from './api.ts';
import { Credentials, FailedLoginLimiter, SessionStore, type Principal } from './auth.ts';
import { registerBoards } from './board.ts';
import { SESSION_COOKIE, type HttpContext, type HttpDeps } from './context.ts';
import { registerHealthRoutes } from './health.ts';
import { startIntakeMetrics } from './intake-metrics.ts';
import { registerUiRoutes } from './ui.ts';

export type { HttpContext } from './context.ts';

/**
 * The web role: Bull Board, the job-trigger API, health and metrics, and the review UI, behind one
 * authentication hook. Everything but /healthz, the login page and its stylesheet needs a principal.
 */

const PUBLIC_PATHS = new Set(['/healthz', '/login', '/ui/app.css']);
const UI_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
// Bull Board's bundle sets inline styles; its scripts are same-origin files (the inline JSON block is not run).
const BOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

function pathOf(req: FastifyRequest): string {
  const i = req.url.indexOf('?');
  return i === -1 ? req.url : req.url.slice(0, i);
}

function wantsJson(req: FastifyRequest, path: string): boolean {
  return (
    Boolean(req.headers.authorization) ||
    path.startsWith('/api/') ||
    path.startsWith('/admin/queues/api') ||
    path.startsWith('/admin/queues-ro/api') ||
    path === '/metrics' ||
    path === '/readyz'
  );
}

async function fromHeader(header: string, req: FastifyRequest, deps: HttpDeps): Promise<Principal | undefined> {
  const m = /^(Basic|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return deps.credentials.checkToken(m[2]!);
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  return deps.credentials.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
}

async function authenticate(req: FastifyRequest, reply: FastifyReply, deps: HttpDeps): Promise<boolean> {
  const header = req.headers.authorization;
  if (header) {
    const wait = deps.limiter.retryAfter(req.ip);
    if (wait > 0) {
      void reply.code(429).header('retry-after', String(wait)).send({ error: 'HTTP_RATE_LIMITED' });
      return false;
    }
    const principal = await fromHeader(header, req, deps);
    if (principal) req.principal = principal;
    else deps.limiter.fail(req.ip);
    return Boolean(principal);
  }
  const raw = req.cookies[SESSION_COOKIE];
  const unsigned = raw ? req.unsignCookie(raw) : undefined;
  const session = unsigned?.valid && unsigned.value ? deps.sessions.get(unsigned.value) : undefined;
  if (!session) return false;
  req.session = session;
  req.principal = session.principal;
  return true;
}

/** Read-only users see the read-only board and never reach the operator board's mutating routes. */
function gateBoard(req: FastifyRequest, reply: FastifyReply, path: string): boolean {
  if (!(path === '/admin/queues' || path.startsWith('/admin/queues/'))) return true;
  if (req.principal?.role === 'operator') return true;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    void reply.code(403).send({ error: 'HTTP_FORBIDDEN', message: 'operator role required' });
    return false;
  }
  if (path.startsWith('/admin/queues/api') || path.startsWith('/admin/queues/static')) return true;
  void reply.redirect(`/admin/queues-ro${req.url.slice('/admin/queues'.length)}`, 302);
  return false;
}

function installHooks(app: FastifyInstance, deps: HttpDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req);
    // Returning the reply from an async hook means "answered"; returning nothing lets the request go on.
    if (PUBLIC_PATHS.has(path)) return undefined;
    if (!(await authenticate(req, reply, deps))) {
      if (reply.sent) return reply;
      if (wantsJson(req, path)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="sepm-intake", charset="UTF-8"')
          .send({ error: 'HTTP_UNAUTHORIZED', message: 'authentication required' });
      }
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      return reply.redirect(`/login${next}`, 302);
    }
    return gateBoard(req, reply, path) ? undefined : reply;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const path = pathOf(req);
    const board = path.startsWith('/admin/queues');
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

export async function buildHttpServer(ctx: HttpContext): Promise<FastifyInstance> {
  const credentials = new Credentials(ctx.config.http);
  await credentials.init();
  if (credentials.empty) ctx.logger.warn('http: no users or tokens configured; every request will be refused');
  const redis = createRedis(ctx.redisUrl);
  redis.on('error', (err) => ctx.logger.warn({ err: err.message }, 'redis connection error (http)'));
  const queues = Object.fromEntries(
    Object.values(QueueNames).map((n) => [n, new Queue(n, { connection: redis, prefix: ctx.prefix })]),
  ) as Record<QueueName, Queue>;
  const deps: HttpDeps = {
    ...ctx,
    redis,
    queues,
    credentials,
    sessions: new SessionStore(),
    limiter: new FailedLoginLimiter(ctx.config.http.loginRateLimitPerMin),
  };
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  // Sessions are server-side; the signature only stops forged ids from reaching the lookup.
  await app.register(fastifyCookie, { secret: randomBytes(32).toString('hex') });
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
  const intakeMetrics = await startIntakeMetrics(ctx.redisUrl, ctx.prefix, ctx.logger);
  registerHealthRoutes(app, deps);
  registerApiRoutes(app, deps);
  await registerBoards(app, Object.values(queues));
  await app.register(async (scope) => registerUiRoutes(scope, deps));
  app.addHook('onClose', async () => {
    unregister();
    unregisterSources();
    await intakeMetrics.close();
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

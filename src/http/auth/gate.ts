import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { limiterKey, type Principal } from './auth.ts';
import { SESSION_COOKIE, type HttpDeps } from '../context.ts';

/**
 * The authentication and authorization hook. Both decisions read the route the router matched
 * (`req.routeOptions`), so a percent-encoded, doubled-slash or dot-segment spelling of a path cannot be judged
 * as one path and served as another: public-ness and the least role are route config, and a route without a
 * role needs `operator` for every method but GET/HEAD. A request no route matched has no config, so a
 * read-only principal's mutating request is refused there too (403, as on the plain path).
 */

const SAFE_METHODS = new Set(['GET', 'HEAD']);

function pathOf(req: FastifyRequest): string {
  const i = req.url.indexOf('?');
  return i === -1 ? req.url : req.url.slice(0, i);
}

/** The matched route's pattern, or the raw path when none matched (404s). */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? pathOf(req);
}

function wantsJson(req: FastifyRequest): boolean {
  const route = routeOf(req);
  return (
    Boolean(req.headers.authorization) ||
    route.startsWith('/api/') ||
    route.startsWith('/admin/queues/api') ||
    route.startsWith('/admin/queues-ro/api') ||
    route === '/metrics' ||
    route === '/readyz'
  );
}

async function fromHeader(header: string, deps: HttpDeps): Promise<{ principal?: Principal; user?: string }> {
  const m = /^(Basic|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (!m) return {};
  if (m[1]!.toLowerCase() === 'bearer') return { principal: deps.credentials.checkToken(m[2]!) };
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return {};
  const user = decoded.slice(0, colon);
  return { principal: await deps.credentials.checkPassword(user, decoded.slice(colon + 1)), user };
}

/** 429 instead of 401 once the (client, user) key is over the limit; good credentials are checked first. */
async function authenticate(req: FastifyRequest, reply: FastifyReply, deps: HttpDeps): Promise<boolean> {
  const header = req.headers.authorization;
  if (header) {
    const { principal, user } = await fromHeader(header, deps);
    if (principal) {
      req.principal = principal;
      return true;
    }
    const wait = await deps.limiter.fail(limiterKey(req.ip, user));
    if (wait > 0) void reply.code(429).header('retry-after', String(wait)).send({ error: 'HTTP_RATE_LIMITED' });
    return false;
  }
  const raw = req.cookies[SESSION_COOKIE];
  const unsigned = raw ? req.unsignCookie(raw) : undefined;
  const session = unsigned?.valid && unsigned.value ? await deps.sessions.get(unsigned.value) : undefined;
  if (!session) return false;
  req.session = session;
  req.principal = session.principal;
  return true;
}

export function forbidden(reply: FastifyReply): FastifyReply {
  return reply.code(403).send({ error: 'HTTP_FORBIDDEN', message: 'operator role required' });
}

export function installGate(app: FastifyInstance, deps: HttpDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config;
    // Returning the reply from an async hook means "answered"; returning nothing lets the request go on.
    if (config.public === true) return undefined;
    if (!(await authenticate(req, reply, deps))) {
      if (reply.sent) return reply;
      if (wantsJson(req)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="sepm-intake", charset="UTF-8"')
          .send({ error: 'HTTP_UNAUTHORIZED', message: 'authentication required' });
      }
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      return reply.redirect(`/login${next}`, 302);
    }
    const need = config.role ?? (SAFE_METHODS.has(req.method) ? 'readonly' : 'operator');
    if (need === 'operator' && req.principal?.role !== 'operator') return forbidden(reply);
    return undefined;
  });
}

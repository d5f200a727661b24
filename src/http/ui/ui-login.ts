import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../../config/schema.ts';
import { limiterKey } from '../auth/auth.ts';
import { SESSION_COOKIE, type HttpDeps } from '../context.ts';
import { safeEqual } from '../auth/password.ts';
import { loginPage } from './ui-pages.ts';

/**
 * The login form. CSRF on POST /login (a forged login would put the victim in the attacker's session) is a
 * double-submit token: GET /login sets a signed, SameSite=Strict cookie and writes the same value into the
 * form; the POST needs both to match. An Origin check would not do: our Referrer-Policy no-referrer makes
 * browsers send `Origin: null` on form posts.
 */

export const LOGIN_COOKIE = 'sepm_login';
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** Only local absolute paths: an open redirect to another site must not be possible. */
export function safeNext(next: unknown): string {
  // Browsers drop tabs/newlines and read '\\' as '/', so '/\t/evil' would become '//evil': allow plain URL
  // characters only, and never a second leading slash.
  const ok = typeof next === 'string' && next.length < 2048 && /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(next);
  return ok ? next : '/incidents';
}

/** Secure when configured, or when the request came over TLS (X-Forwarded-Proto only from a trusted proxy). */
export function secureCookie(req: FastifyRequest, cfg: HttpConfig): boolean {
  return cfg.secureCookies || req.protocol === 'https';
}

function cookieToken(req: FastifyRequest): string | undefined {
  const raw = req.cookies[LOGIN_COOKIE];
  const unsigned = raw ? req.unsignCookie(raw) : undefined;
  return unsigned?.valid && unsigned.value && TOKEN.test(unsigned.value) ? unsigned.value : undefined;
}

/** The form's token: the cookie's when it has a good one, else a new one set as the cookie (1 h). */
function formToken(req: FastifyRequest, reply: FastifyReply, deps: HttpDeps): string {
  const existing = cookieToken(req);
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(LOGIN_COOKIE, token, {
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    secure: secureCookie(req, deps.config.http),
    path: '/login',
    maxAge: 3600,
  });
  return token;
}

function page(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export function registerLogin(app: FastifyInstance, deps: HttpDeps): void {
  app.get('/login', { config: { public: true } }, async (req, reply) =>
    page(reply, loginPage(safeNext((req.query as Record<string, unknown>).next), formToken(req, reply, deps))),
  );
  app.post('/login', { config: { public: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const expected = cookieToken(req);
    if (!expected || typeof body._csrf !== 'string' || !safeEqual(body._csrf, expected)) {
      const msg = 'The login form expired or came from another site; please log in again.';
      return page(reply, loginPage(next, formToken(req, reply, deps), msg), 403);
    }
    const user = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    // Credentials first: a correct password is never refused by the limiter (it keys on client + user).
    const principal = user && password ? await deps.credentials.checkPassword(user, password) : undefined;
    if (!principal) {
      const wait = await deps.limiter.fail(limiterKey(req.ip, user));
      req.log.warn({ user: user.slice(0, 64), ip: req.ip }, 'failed login');
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return page(reply, loginPage(next, expected, `Too many failed logins; try again in ${wait} s.`), 429);
      }
      return page(reply, loginPage(next, expected, 'Wrong user name or password.'), 401);
    }
    const session = await deps.sessions.create(principal);
    const secure = secureCookie(req, deps.config.http);
    reply.setCookie(SESSION_COOKIE, session.id, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
    });
    reply.clearCookie(LOGIN_COOKIE, { path: '/login' });
    return reply.redirect(next, 303);
  });
}

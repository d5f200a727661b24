import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IncidentDetail } from '../../soar/port.ts';
import { safeEqual } from '../auth/password.ts';
import { SESSION_COOKIE, type HttpDeps } from '../context.ts';
import { findJob, submitJob, type JobView } from '../api/jobs.ts';
import { buildAction } from './ui-actions.ts';
import { APP_CSS } from './ui-layout.ts';
import { registerLogin } from './ui-login.ts';

export { safeNext } from './ui-login.ts';
import { RESOLUTIONS, detailPage, listPage, type View } from './ui-pages.ts';

/** Routes of the review UI: login/logout, incident list and detail, row actions, close, attachment download. */

const PAGE_SIZE = 50;
const JOB_ID = /^[A-Za-z0-9._-]{1,200}$/;

const listQuery = z.object({
  state: z.enum(['open', 'closed']).optional().catch(undefined),
  severity: z.enum(['Low', 'Medium', 'High']).optional().catch(undefined),
  computer: z.string().max(255).optional().catch(undefined),
  risk: z.string().max(255).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
const idParam = z.object({ id: z.coerce.number().int().positive() });
const attachmentParams = z.object({ id: z.coerce.number().int().positive(), aid: z.coerce.number().int().positive() });
const actionBody = z.object({
  action: z.string().max(64),
  artifactId: z.string().max(20).optional(),
  rowId: z.string().max(20).optional(),
  groupId: z.string().max(64).optional(),
  artifactType: z.string().max(64).optional(),
  /** The form's nonce (ui-pages.ts actionForm): a double click or a re-sent POST is the same request. */
  nonce: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
});
const closeBody = z.object({ resolution: z.enum(RESOLUTIONS), summary: z.string().trim().min(1).max(4000) });

function view(req: FastifyRequest): View | undefined {
  return req.session ? { principal: req.session.principal, csrf: req.session.csrf } : undefined;
}

/** Form posts need the session's CSRF token (SameSite=Strict is the first line, this the second). */
function checkCsrf(req: FastifyRequest, reply: FastifyReply): boolean {
  const token = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (req.session && typeof token === 'string' && safeEqual(token, req.session.csrf)) return true;
  void reply.code(403).type('text/plain').send('invalid or missing CSRF token');
  return false;
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export async function registerUiRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.get('/ui/app.css', { config: { public: true } }, async (_req, reply) =>
    reply.type('text/css').header('cache-control', 'max-age=3600').send(APP_CSS),
  );
  registerLogin(app, deps);
  registerLogout(app, deps);
  app.get('/', async (_req, reply) => reply.redirect('/incidents', 302));
  registerReadRoutes(app, deps);
  registerWriteRoutes(app, deps);
}

function registerReadRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const store = deps.store;
  app.get('/incidents', async (req, reply) => {
    const v = view(req);
    if (!v) return reply.redirect('/login', 302);
    if (!store)
      return html(reply, 'The review UI needs our own incident store (soar.kind: embedded or postgres).', 404);
    const q = listQuery.parse(req.query ?? {});
    const res = await store.searchIncidents({ ...q, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE });
    return html(reply, listPage(v, { ...q, limit: PAGE_SIZE }, res.total, res.incidents));
  });

  app.get('/incidents/:id', async (req, reply) => {
    const v = view(req);
    const p = idParam.safeParse(req.params);
    if (!v || !store || !p.success) return html(reply, 'not found', 404);
    const detail = await store.getIncidentDetail(p.data.id);
    const ids = String((req.query as Record<string, unknown>).jobs ?? '')
      .split(',')
      .filter((id) => JOB_ID.test(id))
      .slice(0, 10);
    const jobs = (await Promise.all(ids.map((id) => findJob(deps, id, v.principal.role)))).filter((j): j is JobView =>
      Boolean(j),
    );
    return html(reply, detailPage(v, detail, jobs));
  });

  app.get('/incidents/:id/attachments/:aid', async (req, reply) => {
    const params = attachmentParams.safeParse(req.params);
    if (!store || !params.success) return html(reply, 'not found', 404);
    const { info, data } = await store.getAttachment(params.data.id, params.data.aid);
    const ascii = info.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'attachment';
    // Attachment content comes from endpoints and mail: never let the browser render it.
    return reply
      .header('content-type', 'application/octet-stream')
      .header(
        'content-disposition',
        `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(info.name)}`,
      )
      .send(data);
  });
}

function registerWriteRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const store = deps.store;

  app.post('/incidents/:id/actions', { config: { role: 'operator' } }, async (req, reply) => {
    const v = view(req);
    const p = idParam.safeParse(req.params);
    if (!v || !store || !p.success) return html(reply, 'not found', 404);
    if (!checkCsrf(req, reply)) return reply;
    if (v.principal.role !== 'operator') return html(reply, 'operator role required', 403);
    const detail: IncidentDetail = await store.getIncidentDetail(p.data.id);
    const form = actionBody.safeParse(req.body);
    const built = form.success ? buildAction(form.data, detail) : { ok: false as const, problem: 'malformed form' };
    if (!built.ok) return html(reply, detailPage(v, detail, [], built.problem), 400);
    const nonce = form.success ? form.data.nonce : undefined;
    const requestKey = nonce ? { scope: `ui:${v.principal.name}`, key: nonce } : undefined;
    const out = await submitJob(deps, built.name, built.payload, 'analyst', requestKey);
    if (!out.ok) return html(reply, detailPage(v, detail, [], out.problems.join('; ')), out.status === 409 ? 409 : 400);
    req.log.info({ job: built.name, jobId: out.jobId, by: v.principal.name }, 'job requested from the review UI');
    return reply.redirect(`/incidents/${p.data.id}?jobs=${encodeURIComponent(out.jobId)}`, 303);
  });

  app.post('/incidents/:id/close', { config: { role: 'operator' } }, async (req, reply) => {
    const v = view(req);
    const p = idParam.safeParse(req.params);
    if (!v || !store || !p.success) return html(reply, 'not found', 404);
    if (!checkCsrf(req, reply)) return reply;
    if (v.principal.role !== 'operator') return html(reply, 'operator role required', 403);
    const body = closeBody.safeParse(req.body);
    if (!body.success) {
      return html(
        reply,
        detailPage(v, await store.getIncidentDetail(p.data.id), [], 'resolution and summary needed'),
        400,
      );
    }
    await store.closeIncident(p.data.id, body.data.resolution, body.data.summary);
    // Cancel what the incident still has pending in SEPM now, not at the next tracking poll.
    const cancel = await submitJob(deps, 'cancel-incident-commands', { incidentId: p.data.id }, 'analyst');
    if (!cancel.ok) req.log.warn({ problems: cancel.problems }, 'cancel of pending SEPM commands not queued');
    return reply.redirect(`/incidents/${p.data.id}`, 303);
  });
}

function registerLogout(app: FastifyInstance, deps: HttpDeps): void {
  // A read-only user may end their own session: the one mutating route open to every role.
  app.post('/logout', { config: { role: 'readonly' } }, async (req, reply) => {
    if (!checkCsrf(req, reply)) return reply;
    if (req.session) await deps.sessions.delete(req.session.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
}

import type { FastifyInstance } from 'fastify';
import { requireOperator, type HttpDeps } from '../context.ts';
import { findJob, submitJob } from './jobs.ts';
import { buildOpenApi } from './openapi.ts';

/** The job-trigger API: validated enqueue, poll by id, OpenAPI description. */

const JOB_ID = /^[A-Za-z0-9._-]{1,200}$/;

/** An Idempotency-Key header: visible ASCII, bounded (it is hashed before it is stored). */
const REQUEST_KEY = /^[\x21-\x7e]{1,255}$/;

export function registerApiRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Serialised once: the document is large (every job schema) and never changes while the process runs.
  const openapi = JSON.stringify(buildOpenApi());
  app.get('/api/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openapi));

  app.post<{ Params: { name: string } }>('/api/jobs/:name', { config: { role: 'operator' } }, async (req, reply) => {
    if (!requireOperator(req, reply)) return reply;
    const key = req.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !REQUEST_KEY.test(key))) {
      return reply
        .code(400)
        .send({ error: 'BAD_REQUEST', message: 'Idempotency-Key: 1 to 255 visible ASCII characters' });
    }
    // Keys are per principal: another caller's key never answers with this caller's job.
    const requestKey = key ? { scope: `api:${req.principal?.name ?? ''}`, key } : undefined;
    const outcome = await submitJob(deps, req.params.name, req.body, 'api', requestKey);
    if (!outcome.ok) {
      if (outcome.status === 409) {
        return reply.code(409).send({ error: outcome.code, problems: outcome.problems, jobId: outcome.jobId });
      }
      const error = outcome.status === 404 ? 'JOB_UNKNOWN' : 'JOB_PAYLOAD_INVALID';
      return reply.code(outcome.status).send({ error, problems: outcome.problems });
    }
    const { jobId, repeated } = outcome;
    req.log.info({ job: req.params.name, jobId, repeated, by: req.principal?.name }, 'job requested via API');
    // 202: a new job was queued; 200: this Idempotency-Key already queued it (the same job, nothing added).
    return reply
      .code(repeated ? 200 : 202)
      .send({ jobId, poll: `/api/jobs/${encodeURIComponent(jobId)}`, ...(repeated ? { repeated } : {}) });
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req, reply) => {
    if (!JOB_ID.test(req.params.id)) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'bad job id' });
    const job = await findJob(deps, req.params.id, req.principal?.role ?? 'readonly');
    if (!job) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such job' });
    return job;
  });
}

import type { FastifyInstance } from 'fastify';
import { requireOperator, type HttpDeps } from '../context.ts';
import { findJob, submitJob } from './jobs.ts';
import { buildOpenApi } from './openapi.ts';

/** The job-trigger API: validated enqueue, poll by id, OpenAPI description. */

const JOB_ID = /^[A-Za-z0-9._-]{1,200}$/;

export function registerApiRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Serialised once: the document is large (every job schema) and never changes while the process runs.
  const openapi = JSON.stringify(buildOpenApi());
  app.get('/api/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openapi));

  app.post<{ Params: { name: string } }>('/api/jobs/:name', { config: { role: 'operator' } }, async (req, reply) => {
    if (!requireOperator(req, reply)) return reply;
    const outcome = await submitJob(deps, req.params.name, req.body, 'api');
    if (!outcome.ok) {
      const error = outcome.status === 404 ? 'JOB_UNKNOWN' : 'JOB_PAYLOAD_INVALID';
      return reply.code(outcome.status).send({ error, problems: outcome.problems });
    }
    req.log.info({ job: req.params.name, jobId: outcome.jobId, by: req.principal?.name }, 'job requested via API');
    return reply.code(202).send({ jobId: outcome.jobId, poll: `/api/jobs/${encodeURIComponent(outcome.jobId)}` });
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req, reply) => {
    if (!JOB_ID.test(req.params.id)) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'bad job id' });
    const job = await findJob(deps, req.params.id, req.principal?.role ?? 'readonly');
    if (!job) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such job' });
    return job;
  });
}

import { z } from 'zod';
import { JOB_NAMES, jobSchemas, type JobName } from '../../jobs/catalog.ts';

/** OpenAPI 3.1 description of the job-trigger API, generated from the same zod schemas the workers use. */

function inputSchema(name: JobName): Record<string, unknown> {
  try {
    return z.toJSONSchema(jobSchemas[name], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return { type: 'object' };
  }
}

const jobAnswer = {
  type: 'object',
  properties: { jobId: { type: 'string' }, poll: { type: 'string' } },
  required: ['jobId', 'poll'],
};
const problems = {
  type: 'object',
  properties: { error: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } },
};

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const name of JOB_NAMES) {
    const { $schema: _ignored, ...schema } = inputSchema(name);
    paths[`/api/jobs/${name}`] = {
      post: {
        operationId: `enqueue_${name.replace(/-/g, '_')}`,
        summary: `Enqueue the '${name}' job (operator role)`,
        requestBody: { required: true, content: { 'application/json': { schema } } },
        responses: {
          '202': { description: 'queued (or already queued in this dedup window)', content: json(jobAnswer) },
          '400': { description: 'invalid payload, every problem listed, nothing queued', content: json(problems) },
          '401': { description: 'authentication required' },
          '403': { description: 'read-only principal' },
        },
      },
    };
  }
  paths['/api/jobs/{id}'] = {
    get: {
      operationId: 'get_job',
      summary: 'State, result or failure reason of a job',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'the job' }, '404': { description: 'no such job' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'sepm-intake job API', version: '1' },
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ basic: [] }, { bearer: [] }],
    paths,
  };
}

function json(schema: unknown): Record<string, unknown> {
  return { 'application/json': { schema } };
}

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../auth/gate.ts';
import { redactForReadonly } from '../redact.ts';

/**
 * Two Bull Board mounts over the same queues, each in its own encapsulated context so their hooks run for the
 * routes the router matched there, however the URL was spelled:
 * - /admin/queues for operators (add, retry, remove). A read-only principal gets 403 for every non-GET and for
 *   its JSON API (that shows seals and stacks), and is redirected to the read-only board for pages.
 * - /admin/queues-ro in Bull Board's read-only mode; its JSON answers go through redactForReadonly (no seals,
 *   no stack traces, no absolute server paths).
 */

export const BOARD_PATH = '/admin/queues';
export const READONLY_BOARD_PATH = '/admin/queues-ro';

function boardPlugin(base: string, queues: Queue[], readOnly: boolean) {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(base);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: readOnly, allowRetries: !readOnly })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: readOnly ? 'sepm-intake (read-only)' : 'sepm-intake' } },
  });
  return adapter.registerPlugin();
}

/** The same page on the read-only board: the matched pattern with the decoded params filled back in. */
function readonlyTarget(req: FastifyRequest, route: string): string {
  const params = (req.params ?? {}) as Record<string, unknown>;
  const rest = route
    .slice(BOARD_PATH.length)
    .replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(String(params[name] ?? '')))
    .replace('*', () => String(params['*'] ?? '').replace(/[^A-Za-z0-9._~/-]/g, encodeURIComponent));
  const q = req.url.indexOf('?');
  return `${READONLY_BOARD_PATH}${rest}${q === -1 ? '' : req.url.slice(q)}`;
}

async function operatorOnly(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (req.principal?.role === 'operator') return undefined;
  const route = req.routeOptions.url ?? '';
  if (req.method !== 'GET' && req.method !== 'HEAD') return forbidden(reply);
  if (route.startsWith(`${BOARD_PATH}/static/`)) return undefined;
  if (route.startsWith(`${BOARD_PATH}/api/`) || route === `${BOARD_PATH}/api`) return forbidden(reply);
  return reply.redirect(readonlyTarget(req, route), 302);
}

function redactJson(roots: readonly string[]) {
  return async (_req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (!type.startsWith('application/json') || typeof payload !== 'string') return payload;
    try {
      return JSON.stringify(redactForReadonly(JSON.parse(payload), roots));
    } catch {
      // Fail closed: an answer that cannot be checked is not shown.
      void reply.code(500);
      return JSON.stringify({ error: 'INTERNAL', message: 'response could not be redacted' });
    }
  };
}

export async function registerBoards(app: FastifyInstance, queues: Queue[], roots: readonly string[]): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', operatorOnly);
    await scope.register(boardPlugin(BOARD_PATH, queues, false), { prefix: BOARD_PATH });
  });
  await app.register(async (scope) => {
    scope.addHook('onSend', redactJson(roots));
    await scope.register(boardPlugin(READONLY_BOARD_PATH, queues, true), { prefix: READONLY_BOARD_PATH });
  });
}

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

/**
 * Two Bull Board mounts over the same queues: /admin/queues for operators (add, retry, remove) and
 * /admin/queues-ro in read-only mode. The auth hook sends read-only users to the second and refuses them any
 * non-GET request on the first, so hiding buttons is not the only barrier.
 */

export const BOARD_PATH = '/admin/queues';
export const READONLY_BOARD_PATH = '/admin/queues-ro';

export async function registerBoards(app: FastifyInstance, queues: Queue[]): Promise<void> {
  for (const [base, readOnly] of [
    [BOARD_PATH, false],
    [READONLY_BOARD_PATH, true],
  ] as const) {
    const adapter = new FastifyAdapter();
    adapter.setBasePath(base);
    createBullBoard({
      queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: readOnly, allowRetries: !readOnly })),
      serverAdapter: adapter,
      options: { uiConfig: { boardTitle: readOnly ? 'sepm-intake (read-only)' : 'sepm-intake' } },
    });
    await app.register(adapter.registerPlugin(), { prefix: base });
  }
}

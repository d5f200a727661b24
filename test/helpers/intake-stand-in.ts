import { Redis } from 'ioredis';
import { QueueNames } from '../../src/jobs/queues.ts';
import { testRuntime, TEST_REDIS_URL } from './redis.ts';

/**
 * A stand-in intake worker for watcher tests: finishes every intake job at once (a recorded reject), so the
 * watcher marks the mail done (mail is marked done only after its job finished, src/ingest/imap/settle.ts).
 */
export function startStandInWorker(prefix: string, url = TEST_REDIS_URL): { close: () => Promise<void> } {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const worker = testRuntime(prefix, url).worker(
    QueueNames.intake,
    async () => ({ status: 'rejected', reason: 'stand-in' }),
    { connection, concurrency: 8 },
  );
  worker.on('error', () => undefined);
  return {
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}

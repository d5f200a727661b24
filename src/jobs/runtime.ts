import type { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from './queues.ts';

/**
 * The factories a role gets from the composition root (src/main.ts `createJobRuntime`): main.ts is the only file
 * that constructs Redis connections, queues, workers and queue-event streams, so connection options (BullMQ's
 * `maxRetriesPerRequest: null`), the key prefix and the error logging live in one place. Roles own what they
 * ask for and close it themselves, in their own order (a worker drains before its connection goes).
 */
export interface JobRuntime {
  /** Key prefix of this deployment (`<prefix>:<queue>:…`; tests use a random one). */
  readonly prefix: string;
  /** A new connection, owned by the caller (disconnect it); errors are logged under `label`. */
  redis(label: string): Redis;
  /** A producer/reader of `name` on `connection`. */
  queue<D = unknown>(name: QueueName, connection: Redis): Queue<D>;
  /** A consumer of `name`; BullMQ duplicates `connection` for its blocking reads. */
  worker<D = unknown, R = unknown>(
    name: QueueName,
    processor: (job: Job<D, R>) => Promise<R>,
    opts: { connection: Redis; concurrency: number },
  ): Worker<D, R>;
  /** The event stream of `name` (its own blocking connection). */
  queueEvents(name: QueueName): QueueEvents;
}

import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { createIntakeProducer } from '../jobs/intake-queue.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import type { Logger } from '../shared/logger.ts';
import { ImapWatcher, type WatcherTiming } from './imap/watcher.ts';
import { SpoolSource } from './spool/spool-source.ts';

/** A mail source's state for health/readiness endpoints. */
export interface SourceStatus {
  name: string;
  kind: 'imap' | 'spool';
  /** imap: new | standby | connecting | active | stopped (standby = another replica holds the mailbox lock). */
  state: string;
  /** Epoch ms of the last mail seen by this process (imap only). */
  lastMailAt?: number;
}

export type Stopper = (deadlineMs: number) => Promise<void>;

export interface WatcherRole {
  /** Stop taking mail (first, before the workers drain). */
  sources: Stopper[];
  /** Close the producer (after the workers). */
  resources: Stopper[];
  statuses: (() => SourceStatus)[];
  spoolDir?: string;
}

/** The watcher role: every configured IMAP mailbox and the spool directory → the intake queue. */
export async function startWatcherRole(
  runtime: JobRuntime,
  config: Config,
  logger: Logger,
  redis: Redis,
  timing: Partial<WatcherTiming> = {},
): Promise<WatcherRole> {
  const producer = createIntakeProducer(runtime, redis, logger);
  const role: WatcherRole = { sources: [], resources: [() => producer.close()], statuses: [] };
  const filter = config.mail.filter;
  for (const source of config.mail.imap) {
    const w = new ImapWatcher({ source, filter, redis, prefix: runtime.prefix, producer, logger, timing });
    w.start();
    role.statuses.push(() => ({ name: source.name, kind: 'imap', state: w.state, lastMailAt: w.lastMailAt }));
    role.sources.push((deadlineMs) => w.stop(deadlineMs));
  }
  if (config.mail.spool.enabled) {
    const dir = resolve(config.mail.spool.dir);
    const spool = new SpoolSource({
      dir,
      pollMs: config.mail.spool.pollMs,
      filter,
      producer,
      redis,
      logger: logger.child({ source: 'spool' }),
    });
    await spool.start();
    role.spoolDir = dir;
    role.statuses.push(() => ({ name: 'spool', kind: 'spool', state: 'active' }));
    role.sources.push((deadlineMs) => spool.stop(deadlineMs));
  }
  return role;
}

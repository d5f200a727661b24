import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { startService } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import {
  appendMails,
  imapSourceFor,
  mailboxState,
  makeAlertMail,
  startDovecot,
  testUser,
  waitUntil,
  type DovecotInstance,
} from '../helpers/dovecot.ts';
import { randomPrefix } from '../helpers/redis.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';

/**
 * Issue 14, Build 1: the mailbox is the durable log. The worker is stopped with 200 intake jobs waiting, then
 * the service's own Redis (no persistence, like many installs) is restarted: every job, the cursor and the lock
 * are gone. Every mail must still become its incident, because none was marked done before its job finished.
 */
let dovecot: DovecotInstance;
let redis: PrivateRedis;
let tmp: string;

beforeAll(async () => {
  [dovecot, redis] = await Promise.all([startDovecot(), startPrivateRedis()]);
  tmp = mkdtempSync(join(tmpdir(), 'durable-'));
});

afterAll(async () => {
  await dovecot?.stop();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function captureLogger(lines: string[]): ReturnType<typeof createLogger> {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return createLogger({ level: 'info', destination });
}

async function waitingIntakeJobs(cfg: Config): Promise<number> {
  const q = new Queue(QueueNames.intake, { connection: { url: cfg.redis.url }, prefix: cfg.redis.prefix });
  try {
    return (await q.getJobCounts('waiting')).waiting ?? 0;
  } finally {
    await q.close();
  }
}

describe('Redis loses its data while intake jobs wait', () => {
  it('loses no mail: 200 queued mails, Redis restarted without persistence → 200 incidents', async () => {
    const user = testUser('dataloss');
    const prefix = randomPrefix('durable');
    const cfg = configSchema.parse({
      redis: { url: redis.url, prefix },
      mail: { spool: { enabled: false }, imap: [imapSourceFor(dovecot, 'alerts', user)] },
      soar: { embedded: { path: join(tmp, 'store.db') } },
    });
    const lines: string[] = [];
    const logger = captureLogger(lines);

    // 1. Only the watcher runs: 200 mails are queued, none is processed.
    const watcherOnly = await startService({ config: cfg, roles: ['watcher'], logger });
    try {
      await appendMails(
        dovecot,
        user,
        Array.from({ length: 200 }, (_, i) => makeAlertMail(i, { tag: 'dataloss' })),
      );
      await waitUntil(async () => (await waitingIntakeJobs(cfg)) === 200, 30_000, '200 intake jobs waiting');
    } finally {
      await watcherOnly.stop(5000);
    }
    // Queued is not done: nothing is marked \Seen yet.
    expect((await mailboxState(dovecot, user)).unseen).toHaveLength(200);

    // 2. Redis restarts without persistence: the 200 jobs, the cursor and the pending records are gone.
    await redis.restart();
    expect(await waitingIntakeJobs(cfg)).toBe(0);

    // 3. Everything starts again: the watcher notices the missing cursor and rescans the not-done mail.
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger });
    try {
      await waitUntil(
        async () => (await service.soar!.listIncidents({ limit: 1000 })).length >= 200,
        60_000,
        '200 incidents after the data loss',
      );
      await waitUntil(async () => (await mailboxState(dovecot, user)).unseen.length === 0, 15_000, 'all mail done');
      const incidents = await service.soar!.listIncidents({ limit: 1000 });
      expect(incidents).toHaveLength(200);
      expect(new Set(incidents.map((i) => i.dedupKey)).size).toBe(200);
      expect(incidents.every((i) => i.occurrences === 1)).toBe(true);
      expect(await mailboxState(dovecot, user)).toEqual({ exists: 200, unseen: [] });
      expect(lines.some((l) => l.includes('cursor missing: rescanning 200 mails'))).toBe(true);
    } finally {
      await service.stop(5000);
    }
  });
});

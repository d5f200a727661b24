import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, imapSourceSchema, type Config } from '../../src/config/schema.ts';
import { ImapWatcher } from '../../src/ingest/imap/watcher.ts';
import { createIntakeProducer } from '../../src/jobs/intake-queue.ts';
import { listQuarantine } from '../../src/ingest/quarantine-log.ts';
import { QUARANTINE_KEYWORD } from '../../src/ingest/triage.ts';
import { startService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import {
  appendMails,
  imapFor,
  imapSourceFor,
  mailboxState,
  makeAlertMail,
  startDovecot,
  testUser,
  waitUntil,
  type DovecotInstance,
} from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

let dovecot: DovecotInstance;
let tmp: string;
const prefixes: string[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  tmp = mkdtempSync(join(tmpdir(), 'ingest-imap-'));
});

afterAll(async () => {
  await dovecot?.stop();
  rmSync(tmp, { recursive: true, force: true });
  for (const p of prefixes) await cleanupPrefix(p);
});

function config(
  user: string,
  extra: {
    filter?: Record<string, unknown>;
    source?: Record<string, unknown>;
    senderAuth?: Record<string, unknown>;
  } = {},
): Config {
  const prefix = randomPrefix('ingest');
  prefixes.push(prefix);
  return configSchema.parse({
    redis: { url: TEST_REDIS_URL, prefix },
    mail: {
      spool: { enabled: false },
      filter: { maxRawBytes: 64 * 1024, ...extra.filter },
      imap: [imapSourceFor(dovecot, 'alerts', user, extra.source)],
    },
    senderAuth: extra.senderAuth ?? {},
    soar: { embedded: { path: join(tmp, `${prefix}.db`) } },
  });
}

async function queueCounts(cfg: Config, name: string): Promise<Record<string, number>> {
  const q = new Queue(name, { connection: { url: cfg.redis.url }, prefix: cfg.redis.prefix });
  try {
    return await q.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
  } finally {
    await q.close();
  }
}

describe('IMAP ingest end to end (Dovecot + Redis + embedded store)', () => {
  it('turns 200 appended alert mails into 200 incidents, each exactly once, and marks every mail \\Seen', async () => {
    const user = testUser('bulk');
    const cfg = config(user);
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
    try {
      await appendMails(
        dovecot,
        user,
        Array.from({ length: 200 }, (_, i) => makeAlertMail(i, { tag: 'bulk' })),
      );
      await waitUntil(
        async () => (await service.soar!.listIncidents({ limit: 1000 })).length >= 200,
        60_000,
        '200 incidents',
      );
      await waitUntil(
        async () => (await queueCounts(cfg, QueueNames.intake)).completed === 200,
        10_000,
        'intake drained',
      );
      const incidents = await service.soar!.listIncidents({ limit: 1000 });
      expect(incidents).toHaveLength(200);
      expect(new Set(incidents.map((i) => i.dedupKey)).size).toBe(200);
      expect(incidents.every((i) => i.occurrences === 1)).toBe(true);
      const intake = await queueCounts(cfg, QueueNames.intake);
      expect(intake).toMatchObject({ completed: 200, failed: 0 });
      expect((await queueCounts(cfg, QueueNames.incidentReady)).waiting).toBe(200);
      // Marked done (\\Seen) once each job completed, on the watcher's next settle pass (≤ 1 s).
      await waitUntil(async () => (await mailboxState(dovecot, user)).unseen.length === 0, 10_000, 'all done');
      expect(await mailboxState(dovecot, user)).toEqual({ exists: 200, unseen: [] });
      expect(service.sources()).toEqual([
        { name: 'alerts', kind: 'imap', state: 'active', lastMailAt: expect.any(Number) },
      ]);
    } finally {
      await service.stop(5000);
    }
  });

  it('lets only one of two watchers on the same mailbox ingest, and the stand-by takes over when it stops', async () => {
    const user = testUser('pair');
    const cfg = config(user);
    const source = imapSourceSchema.parse(imapSourceFor(dovecot, 'alerts', user));
    const conns = [
      new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
      new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
    ];
    const producers = conns.map((c) => createIntakeProducer(testRuntime(cfg.redis.prefix), c));
    const watchers = conns.map(
      (redis, i) =>
        new ImapWatcher({
          source,
          filter: cfg.mail.filter,
          redis,
          prefix: cfg.redis.prefix,
          producer: producers[i]!,
          logger: silentLogger,
          timing: { lockTtlMs: 1500, standbyPollMs: 200 },
        }),
    );
    try {
      watchers.forEach((w) => w.start());
      await waitUntil(() => watchers.some((w) => w.state === 'active'), 10_000, 'one watcher active');
      await appendMails(
        dovecot,
        user,
        Array.from({ length: 30 }, (_, i) => makeAlertMail(i, { tag: 'pair' })),
      );
      await waitUntil(() => watchers[0]!.enqueuedTotal + watchers[1]!.enqueuedTotal === 30, 15_000, '30 mails queued');
      expect(await producers[0]!.queue.count()).toBe(30);
      const active = watchers.findIndex((w) => w.enqueuedTotal > 0);
      const standby = 1 - active;
      expect(watchers[active]!.enqueuedTotal).toBe(30);
      expect(watchers[standby]!.enqueuedTotal).toBe(0);
      expect(watchers[standby]!.state).toBe('standby');

      await watchers[active]!.stop();
      await waitUntil(() => watchers[standby]!.state === 'active', 10_000, 'stand-by takes over');
      await appendMails(
        dovecot,
        user,
        Array.from({ length: 10 }, (_, i) => makeAlertMail(100 + i, { tag: 'pair' })),
      );
      await waitUntil(() => watchers[standby]!.enqueuedTotal === 10, 15_000, '10 more mails queued');
      expect(await producers[0]!.queue.count()).toBe(40);
      expect(watchers[standby]!.enqueuedTotal).toBe(10);
      // No worker runs here: queued is not done, so every mail stays unseen (the mailbox is the durable log).
      expect((await mailboxState(dovecot, user)).unseen).toHaveLength(40);
    } finally {
      await Promise.all(watchers.map((w) => w.stop()));
      await Promise.all(producers.map((p) => p.close()));
      conns.forEach((c) => c.disconnect());
    }
  });

  it('quarantines an over-size alert, fails an unparseable one permanently, and lets the rest flow', async () => {
    const user = testUser('poison');
    const cfg = config(user, { filter: { maxRawBytes: 512 * 1024 } });
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
    try {
      // Under the size cap, but its 300 KB header block is more than the MIME decoder accepts: never parseable.
      const hugeHeader = Buffer.concat([
        Buffer.from('Subject: Single Risk Event: poison\r\nFrom: sepm@sepmdomain.com\r\nMessage-ID: <poison@x>\r\n'),
        Buffer.from(`X-Filler: ${'a'.repeat(300 * 1024)}\r\n\r\nbody\r\n`),
      ]);
      const mails = [
        makeAlertMail(1, { tag: 'poison' }),
        makeAlertMail(2, { tag: 'poison', padBytes: 600 * 1024 }),
        hugeHeader,
        makeAlertMail(3, { tag: 'poison' }),
      ];
      await appendMails(dovecot, user, mails);
      await waitUntil(async () => (await service.soar!.listIncidents()).length === 2, 20_000, '2 incidents');
      // The move to quarantine follows the enqueue of the batch: the incidents can be there before it.
      await waitUntil(
        async () => (await mailboxState(dovecot, user, 'sepm-intake-quarantine')).exists === 1,
        10_000,
        'the over-size mail quarantined',
      );
      const box = await imapFor(dovecot, user);
      try {
        await box.mailboxOpen('sepm-intake-quarantine');
        const q = await box.fetchAll('1:*', { uid: true, flags: true, envelope: true });
        expect(q).toHaveLength(1);
        expect(q[0]!.envelope?.messageId).toBe('<alert-poison-2@sepm01.sepmdomain.com>');
        expect(q[0]!.flags?.has(QUARANTINE_KEYWORD)).toBe(true);
      } finally {
        await box.logout();
      }
      const redis = new Redis(TEST_REDIS_URL);
      const records = await listQuarantine(redis, cfg.redis.prefix);
      redis.disconnect();
      expect(records).toMatchObject([{ reason: 'too_large', source: 'alerts' }]);
      await waitUntil(
        async () => (await queueCounts(cfg, QueueNames.intake)).failed === 1,
        10_000,
        'poison job failed',
      );
      const intake = new Queue(QueueNames.intake, { connection: { url: cfg.redis.url }, prefix: cfg.redis.prefix });
      const [failed] = await intake.getFailed();
      await intake.close();
      expect(failed!.failedReason).toMatch(/^MAIL_UNREADABLE: /);
      expect(failed!.attemptsMade).toBe(1);
      expect(await queueCounts(cfg, QueueNames.intake)).toMatchObject({ completed: 2, failed: 1 });
      await waitUntil(async () => (await mailboxState(dovecot, user)).unseen.length === 0, 10_000, 'all done');
      expect(await mailboxState(dovecot, user)).toEqual({ exists: 3, unseen: [] });
    } finally {
      await service.stop(5000);
    }
  });
});

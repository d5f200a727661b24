import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapSourceSchema } from '../../src/config/schema.ts';
import { QUEUED_KEYWORD } from '../../src/ingest/imap/retention.ts';
import { ImapWatcher } from '../../src/ingest/imap/watcher.ts';
import { createIntakeProducer } from '../../src/jobs/intake-queue.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import {
  imapFor,
  imapSourceFor,
  makeAlertMail,
  startDovecot,
  testUser,
  waitUntil,
  type DovecotInstance,
} from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

/** Issue 13, Build 4: processed mail can be expunged after N days; by default nothing is ever deleted. */
let dovecot: DovecotInstance;
const prefixes: string[] = [];
const DAY_MS = 86_400_000;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.stop();
  for (const p of prefixes) await cleanupPrefix(p);
});

/** 2 alerts delivered 10 days ago, 2 today, and a 10-day-old mail from another sender (left alone by the filter). */
async function fill(user: string, folders: string[]): Promise<void> {
  const c = await imapFor(dovecot, user);
  try {
    for (const f of folders) await c.mailboxCreate(f).catch(() => undefined);
    const old = new Date(Date.now() - 10 * DAY_MS);
    await c.append('INBOX', makeAlertMail(1, { tag: 'old' }), [], old);
    await c.append('INBOX', makeAlertMail(2, { tag: 'old' }), [], old);
    await c.append('INBOX', makeAlertMail(3, { tag: 'new' }), []);
    await c.append('INBOX', makeAlertMail(4, { tag: 'new' }), []);
    await c.append('INBOX', makeAlertMail(5, { tag: 'other', from: 'news@vendor.example' }), [], old);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/** Message-ID tags and keyword of every message in a folder. */
async function contents(user: string, folder: string): Promise<{ id: string; queued: boolean }[]> {
  const c = await imapFor(dovecot, user);
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    const all = await c.fetchAll('1:*', { envelope: true, flags: true }).catch(() => []);
    return all
      .map((m) => ({
        id: (m.envelope?.messageId ?? '').replace(/@.*$/, ''),
        queued: m.flags?.has(QUEUED_KEYWORD) === true,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/**
 * Queues the 4 alerts, lets a stand-in intake worker finish their jobs (only finished mail is done, and only
 * done mail may be expunged), then starts a second watcher whose first scan runs the retention pass.
 */
async function runWatcher(user: string, extra: Record<string, unknown>): Promise<void> {
  const prefix = randomPrefix('retention');
  prefixes.push(prefix);
  const source = imapSourceSchema.parse(imapSourceFor(dovecot, 'ret', user, extra));
  const redis = new Redis(TEST_REDIS_URL);
  const runtime = testRuntime(prefix);
  const producer = createIntakeProducer(runtime, redis, silentLogger);
  const workerConn = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const worker = runtime.worker(QueueNames.intake, async () => ({ status: 'rejected', reason: 'test' }), {
    connection: workerConn,
    concurrency: 4,
  });
  const filter = { allowedSenders: ['sepm@sepmdomain.com'], subjectPatterns: [], maxRawBytes: 1024 * 1024 };
  const watcher = () => new ImapWatcher({ source, filter, redis, prefix, producer, logger: silentLogger });
  const first = watcher();
  const second = watcher();
  try {
    first.start();
    await waitUntil(() => first.doneTotal === 4, 20_000, 'the 4 alerts queued and done');
    await first.stop(5000);
    // The hourly slot was taken by the first scan, before the jobs finished.
    await redis.del(`${prefix}:ingest:retention:${source.name}`);
    second.start();
    await waitUntil(() => second.state === 'active', 5_000, 'watcher active');
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await first.stop(5000);
    await second.stop(5000);
    await worker.close();
    await producer.close();
    workerConn.disconnect();
    redis.disconnect();
  }
}

const KEPT_OTHER = { id: '<alert-other-5', queued: false };

describe('deleteProcessedAfterDays', () => {
  it('keeps every mail by default, keyword-marking what it queued', async () => {
    const user = testUser('keep');
    await fill(user, []);
    await runWatcher(user, {});
    expect((await contents(user, 'INBOX')).map((m) => m.id)).toHaveLength(5);
    expect((await contents(user, 'INBOX')).filter((m) => m.queued)).toHaveLength(4);
  });

  it('expunges queued mail older than N days from the mailbox, never other mail or recent alerts', async () => {
    const user = testUser('del');
    await fill(user, []);
    await runWatcher(user, { deleteProcessedAfterDays: 7 });
    expect(await contents(user, 'INBOX')).toEqual([
      { id: '<alert-new-3', queued: true },
      { id: '<alert-new-4', queued: true },
      KEPT_OTHER,
    ]);
  });

  it('expunges from processedFolder when processed mail is moved there', async () => {
    const user = testUser('delmv');
    await fill(user, ['Done']);
    await runWatcher(user, { deleteProcessedAfterDays: 7, processedFolder: 'Done' });
    expect(await contents(user, 'Done')).toEqual([
      { id: '<alert-new-3', queued: true },
      { id: '<alert-new-4', queued: true },
    ]);
    expect(await contents(user, 'INBOX')).toEqual([KEPT_OTHER]);
  });
});

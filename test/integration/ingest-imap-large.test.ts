import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapSourceSchema, type ImapSourceConfig } from '../../src/config/schema.ts';
import { createImapClient } from '../../src/ingest/imap/client.ts';
import { CursorStore } from '../../src/ingest/imap/cursor-store.ts';
import { SEARCH_WINDOW_UIDS } from '../../src/ingest/imap/scan.ts';
import { ImapWatcher } from '../../src/ingest/imap/watcher.ts';
import { createIntakeProducer } from '../../src/jobs/intake-queue.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import {
  imapSourceFor,
  mailboxState,
  makeAlertMail,
  startDovecot,
  testUser,
  waitUntil,
  type DovecotInstance,
} from '../helpers/dovecot.ts';
import { writeBigMaildir } from '../helpers/maildir.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

/**
 * Issue 13, Build 4: a first start on a mailbox of 500,000 messages (processed mail stays in the mailbox by default,
 * so every deployment gets there). The old scan spread every UID into Math.max and threw RangeError from ~140,000.
 */
const COUNT = 500_000;
/** The unseen alerts, spread over the mailbox: first, last, and past every size that once broke. */
const UNSEEN = [1, 2, 9_999, 10_000, 10_001, 140_000, 140_001, 250_000, 499_999, COUNT];

let dovecot: DovecotInstance;
const prefixes: string[] = [];

beforeAll(async () => {
  // Half a million maildir files: on tmpfs their creation and Dovecot's first sync take seconds, not minutes.
  dovecot = await startDovecot(existsSync('/dev/shm') ? { baseDir: '/dev/shm' } : {});
});
afterAll(async () => {
  await dovecot?.stop();
  for (const p of prefixes) await cleanupPrefix(p);
});

describe('IMAP mailbox of any size', () => {
  it('first start on a 500,000-message mailbox: queues the unseen alerts, searches in bounded windows, cursor at the top', async () => {
    const user = testUser('large');
    const unseen = new Set(UNSEEN);
    writeBigMaildir(
      dovecot,
      user,
      COUNT,
      (uid) => (unseen.has(uid) ? makeAlertMail(uid, { tag: 'big' }) : undefined),
      makeAlertMail(0, { tag: 'old' }),
    );
    const prefix = randomPrefix('large');
    prefixes.push(prefix);
    const source: ImapSourceConfig = imapSourceSchema.parse(imapSourceFor(dovecot, 'large', user));
    const redis = new Redis(TEST_REDIS_URL);
    const producer = createIntakeProducer(testRuntime(prefix), redis, silentLogger);
    const searchSizes: number[] = [];
    const createClient = (src: ImapSourceConfig): ImapFlow => {
      const c = createImapClient(src);
      const search = c.search.bind(c);
      c.search = async (...args: Parameters<ImapFlow['search']>) => {
        const r = await search(...args);
        searchSizes.push(Array.isArray(r) ? r.length : 0);
        return r;
      };
      return c;
    };
    const filter = { allowedSenders: [], subjectPatterns: [], maxRawBytes: 1024 * 1024 };
    const w = new ImapWatcher({ source, filter, redis, prefix, producer, logger: silentLogger, createClient });
    try {
      w.start();
      await waitUntil(
        async () => (await producer.queue.count()) === UNSEEN.length,
        150_000,
        'the unseen alerts queued',
      );
      const cursors = new CursorStore(redis, prefix, 'large');
      await waitUntil(async () => (await cursors.get())?.lastUid === COUNT, 30_000, 'cursor at the highest UID');
      const jobs = await producer.queue.getJobs(['waiting']);
      const uids = jobs.map((j) => (j.data as { origin: { uid: number } }).origin.uid).sort((a, b) => a - b);
      expect(uids).toEqual(UNSEEN);
      expect(Math.max(...searchSizes)).toBeLessThanOrEqual(SEARCH_WINDOW_UIDS);
      await w.stop(5000);
      // No worker ran: queued is not done, so the alerts stay unseen (the mailbox is the durable log).
      expect((await mailboxState(dovecot, user)).unseen).toEqual(UNSEEN);
    } finally {
      await w.stop(5000);
      await producer.close();
      redis.disconnect();
    }
  }, 240_000);
});

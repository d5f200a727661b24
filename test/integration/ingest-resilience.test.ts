import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapSourceSchema, type ImapSourceConfig } from '../../src/config/schema.ts';
import { CursorStore } from '../../src/ingest/imap/cursor-store.ts';
import { ImapWatcher } from '../../src/ingest/imap/watcher.ts';
import { createIntakeProducer } from '../../src/jobs/intake-queue.ts';
import { createLogger, silentLogger } from '../../src/shared/logger.ts';
import {
  appendMails,
  imapFor,
  imapSourceFor,
  mailboxState,
  makeAlertMail,
  startDovecot,
  startTcpProxy,
  testUser,
  waitUntil,
  type DovecotInstance,
} from '../helpers/dovecot.ts';
import { startStandInWorker } from '../helpers/intake-stand-in.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

const FILTER = { allowedSenders: [], subjectPatterns: ['Single Risk Event'], maxRawBytes: 1024 * 1024 };
const FAST = { lockTtlMs: 1500, standbyPollMs: 100, backoff: { baseMs: 100, maxMs: 1000, stableAfterMs: 5000 } };
const ROOT = resolve(import.meta.dirname, '../..');

let dovecot: DovecotInstance;
let tmp: string;
const prefixes: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  tmp = mkdtempSync(join(tmpdir(), 'ingest-resilience-'));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await dovecot?.stop();
  rmSync(tmp, { recursive: true, force: true });
  for (const p of prefixes) await cleanupPrefix(p);
});

function setup(user: string, extra: Record<string, unknown> = {}, redisUrl = TEST_REDIS_URL) {
  const prefix = randomPrefix('resil');
  prefixes.push(prefix);
  const source: ImapSourceConfig = imapSourceSchema.parse(imapSourceFor(dovecot, 'alerts', user, extra));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  const producer = createIntakeProducer(testRuntime(prefix, redisUrl), redis);
  // Finishes the jobs over a direct connection (not the one under test), so the watcher marks mail done.
  const stand = startStandInWorker(prefix);
  cleanups.push(async () => {
    await stand.close();
    await producer.close().catch(() => undefined);
    redis.disconnect();
  });
  const watcher = (): ImapWatcher => {
    const w = new ImapWatcher({ source, filter: FILTER, redis, prefix, producer, logger: silentLogger, timing: FAST });
    cleanups.push(() => w.stop(2000));
    return w;
  };
  return { prefix, source, redis, producer, watcher };
}

/** Jobs on the intake queue, read through a direct connection (not the one under test). */
async function jobCount(prefix: string): Promise<number> {
  const direct = new Redis(TEST_REDIS_URL);
  try {
    const p = createIntakeProducer(testRuntime(prefix), direct);
    // Finished jobs too: a stand-in worker completes them.
    const n = await p.queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed');
    await p.close();
    return n;
  } finally {
    direct.disconnect();
  }
}

function spawnWatcher(source: ImapSourceConfig, prefix: string): ChildProcess {
  const script = join(tmp, `watcher-${prefix}.ts`);
  const src = (p: string) => JSON.stringify(join(ROOT, 'src', p));
  writeFileSync(
    script,
    `import { createJobRuntime } from ${src('main.ts')};
import { createIntakeProducer } from ${src('jobs/intake-queue.ts')};
import { ImapWatcher } from ${src('ingest/imap/watcher.ts')};
import { silentLogger } from ${src('shared/logger.ts')};
const runtime = createJobRuntime(${JSON.stringify(TEST_REDIS_URL)}, ${JSON.stringify(prefix)});
const redis = runtime.redis('child');
const producer = createIntakeProducer(runtime, redis);
const w = new ImapWatcher({ source: ${JSON.stringify(source)}, filter: ${JSON.stringify(FILTER)}, redis,
  prefix: ${JSON.stringify(prefix)}, producer, logger: silentLogger, timing: { ...${JSON.stringify(FAST)}, batchSize: 10 } });
w.start();
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'ignore' });
  cleanups.push(() => void child.kill('SIGKILL'));
  return child;
}

describe('IMAP ingest under failures', () => {
  it('loses and duplicates nothing when the watcher process is killed mid-stream and restarted', async () => {
    const user = testUser('kill');
    const { prefix, source } = setup(user);
    await appendMails(
      dovecot,
      user,
      Array.from({ length: 150 }, (_, i) => makeAlertMail(i, { tag: 'kill' })),
    );
    const first = spawnWatcher(source, prefix);
    await waitUntil(async () => (await jobCount(prefix)) >= 30, 30_000, 'first watcher queued some mail');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const queuedAtKill = await jobCount(prefix);
    expect(queuedAtKill).toBeLessThan(150);
    spawnWatcher(source, prefix);
    await waitUntil(async () => (await mailboxState(dovecot, user)).unseen.length === 0, 60_000, 'every mail seen');
    expect(await jobCount(prefix)).toBe(150);
  });

  it('reconnects after the IMAP server restarts and keeps ingesting', async () => {
    const user = testUser('restart');
    const { prefix, watcher } = setup(user);
    const w = watcher();
    w.start();
    await appendMails(
      dovecot,
      user,
      Array.from({ length: 10 }, (_, i) => makeAlertMail(i, { tag: 'rst' })),
    );
    await waitUntil(async () => (await jobCount(prefix)) === 10, 15_000, '10 jobs');
    await dovecot.restart();
    await appendMails(
      dovecot,
      user,
      Array.from({ length: 10 }, (_, i) => makeAlertMail(10 + i, { tag: 'rst' })),
    );
    await waitUntil(async () => (await jobCount(prefix)) === 20, 20_000, '20 jobs after restart');
    await waitUntil(async () => (await mailboxState(dovecot, user)).unseen.length === 0, 10_000, 'all seen');
    expect(w.state).toBe('active');
  });

  it('marks nothing processed while Redis is unreachable, and catches up when it returns', async () => {
    const user = testUser('redis');
    const proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379), new URL(TEST_REDIS_URL).hostname);
    cleanups.push(() => proxy.close());
    const { prefix, watcher } = setup(user, {}, `redis://127.0.0.1:${proxy.port}`);
    const w = watcher();
    w.start();
    await appendMails(
      dovecot,
      user,
      Array.from({ length: 5 }, (_, i) => makeAlertMail(i, { tag: 'red' })),
    );
    await waitUntil(async () => (await jobCount(prefix)) === 5, 15_000, '5 jobs');
    await proxy.pause();
    await appendMails(
      dovecot,
      user,
      Array.from({ length: 5 }, (_, i) => makeAlertMail(5 + i, { tag: 'red' })),
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect((await mailboxState(dovecot, user)).unseen).toHaveLength(5);
    expect(await jobCount(prefix)).toBe(5);
    await proxy.resume();
    await waitUntil(async () => (await jobCount(prefix)) === 10, 20_000, '10 jobs after Redis returned');
    await waitUntil(async () => (await mailboxState(dovecot, user)).unseen.length === 0, 10_000, 'all seen');
  });

  it('rescans without duplicates when the mailbox UIDVALIDITY changes', async () => {
    const user = testUser('uidv');
    const { prefix, redis, watcher } = setup(user, { mailbox: 'Alerts' });
    const mails = Array.from({ length: 10 }, (_, i) => makeAlertMail(i, { tag: 'uidv' }));
    await appendMails(dovecot, user, mails, 'Alerts');
    const w1 = watcher();
    w1.start();
    await waitUntil(
      async () => (await mailboxState(dovecot, user, 'Alerts')).unseen.length === 0,
      15_000,
      'first pass',
    );
    await w1.stop();
    const cursors = new CursorStore(redis, prefix, 'alerts');
    const before = await cursors.get();
    // Rebuild the mailbox (as a server migration would): same mails, new UIDVALIDITY, plus two new ones.
    const admin = await imapFor(dovecot, user);
    await admin.mailboxDelete('Alerts');
    await admin.logout();
    await appendMails(
      dovecot,
      user,
      [...mails, makeAlertMail(10, { tag: 'uidv' }), makeAlertMail(11, { tag: 'uidv' })],
      'Alerts',
    );
    const w2 = watcher();
    w2.start();
    await waitUntil(async () => (await mailboxState(dovecot, user, 'Alerts')).unseen.length === 0, 15_000, 'rescan');
    const after = await cursors.get();
    expect(after!.uidValidity).not.toBe(before!.uidValidity);
    expect(after!.lastUid).toBe(12);
    expect(await jobCount(prefix)).toBe(12);
    expect(w2.enqueuedTotal).toBe(12);
  });

  it('ingests over STARTTLS (TLS required) and warns when no mail arrived for noMailWarnHours', async () => {
    const user = testUser('stls');
    const prefix = randomPrefix('resil');
    prefixes.push(prefix);
    const source = imapSourceSchema.parse(
      imapSourceFor(dovecot, 'alerts', user, {
        port: dovecot.starttlsPort,
        secure: false,
        requireTls: true,
        noMailWarnHours: 1 / 3600,
      }),
    );
    const lines: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    });
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const producer = createIntakeProducer(testRuntime(prefix), redis);
    const stand = startStandInWorker(prefix);
    const w = new ImapWatcher({
      source,
      filter: FILTER,
      redis,
      prefix,
      producer,
      logger,
      timing: { ...FAST, hotPollMs: 0 },
    });
    cleanups.push(async () => {
      await w.stop(2000);
      await stand.close();
      await producer.close();
      redis.disconnect();
    });
    w.start();
    await appendMails(dovecot, user, [makeAlertMail(1, { tag: 'stls' })]);
    await waitUntil(async () => (await jobCount(prefix)) === 1, 15_000, 'mail queued over STARTTLS');
    await waitUntil(
      () => lines.some((l) => l.includes('no mail seen for a long time')),
      15_000,
      'quiet-mailbox warning',
    );
  });
});

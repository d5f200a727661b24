import { copyFileSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as parse } from '../../src/cli/commands/parse.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createIntakeProducer } from '../../src/jobs/intake-queue.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import type { IntakeResult } from '../../src/intake/worker.ts';
import { startService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { makeAlertMail, waitUntil } from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

/**
 * Issue 13, Build 1 and 2: every SEPM risk template becomes an incident whatever its subject (the body decides), and
 * `sepm-intake parse` answers what the intake worker does, reason code for reason code.
 */
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/emails');
let tmp: string;
const prefixes: string[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'intake-decision-'));
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  for (const p of prefixes) await cleanupPrefix(p);
});
afterEach(() => vi.restoreAllMocks());

/** The configuration the golden files stand for (test/helpers/fixture-config.ts), as a config file would say it. */
function rawConfig(prefix: string, extra: { spoolDir?: string; subjectPatterns?: string[]; maxRawBytes?: number }) {
  return {
    redis: { url: TEST_REDIS_URL, prefix },
    mail: {
      timeZone: 'America/Los_Angeles',
      spool: { enabled: extra.spoolDir !== undefined, dir: extra.spoolDir ?? join(tmp, 'unused'), pollMs: 100 },
      filter: {
        allowedSenders: ['sepm@sepmdomain.com', '*@corp.example'],
        ...(extra.subjectPatterns ? { subjectPatterns: extra.subjectPatterns } : {}),
        ...(extra.maxRawBytes ? { maxRawBytes: extra.maxRawBytes } : {}),
      },
    },
    senderAuth: {
      allowedSenders: ['sepm@sepmdomain.com'],
      trustedAuthservIds: ['mx.corp.example'],
      requireSpf: true,
      trustedRelays: ['10.20.30.40'],
    },
    whitelist: { ips: ['10.0.0.0/8'], domains: ['*.sepmdomain.com'] },
    soar: { embedded: { path: join(tmp, `${prefix}.db`) } },
  };
}

/** Fixtures whose golden decision is accepted: every risk template of the corpus. */
function riskFixtures(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.expected.json'))
    .filter((f) => (JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { accepted: boolean }).accepted)
    .map((f) => f.slice(0, -'.expected.json'.length))
    .sort();
}

describe('classify by body', () => {
  it('replays every SEPM risk template (spool → worker → embedded store), whatever its subject, into an incident', async () => {
    const names = riskFixtures();
    // The subjects a fixed subject list lost (issue 13): SEPM's "New risk detected" and administrators' own texts.
    for (const n of ['new-risk-detected', 'new-risk-detected-risk-name', 'single-risk-admin-subject'])
      expect(names).toContain(n);
    expect(names).toContain('single-risk-custom-subject');
    expect(names.length).toBeGreaterThanOrEqual(30);
    const prefix = randomPrefix('decision-replay');
    prefixes.push(prefix);
    const dir = join(tmp, 'inbox');
    const config = configSchema.parse(rawConfig(prefix, { spoolDir: dir }));
    const service = await startService({ config, roles: ['watcher', 'worker'], logger: silentLogger });
    const intake = new Queue<unknown, IntakeResult>(QueueNames.intake, { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      for (const n of names) {
        copyFileSync(join(FIXTURES, `${n}.eml`), join(dir, `${n}.part`));
        renameSync(join(dir, `${n}.part`), join(dir, `${n}.eml`));
      }
      await waitUntil(
        async () => (await intake.getJobCounts('completed')).completed === names.length,
        60_000,
        `${names.length} intake jobs done`,
      );
      const results = (await intake.getCompleted(0, -1)).map((j) => j.returnvalue);
      expect(results.filter((r) => r.status !== 'ingested')).toEqual([]);
      const stored = new Set((await service.soar!.listIncidents()).map((i) => i.id));
      for (const r of results) {
        if (r.status !== 'ingested') continue;
        expect(r.incidents.length).toBeGreaterThan(0);
        for (const inc of r.incidents) expect(stored.has(inc.id)).toBe(true);
      }
    } finally {
      await intake.close();
      await service.stop();
    }
  }, 90_000);
});

interface Row {
  name: string;
  raw: Buffer;
  /** undefined = accepted. */
  reason?: string;
  stage: string;
}

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, `${name}.eml`));
}

/** One mail per reject reason of the decision (intake/analyze.ts RejectReasons), and accepted ones. */
function table(): Row[] {
  const canonical = fixture('canonical-single-risk').toString('latin1');
  return [
    { name: 'canonical-single-risk', raw: fixture('canonical-single-risk'), stage: 'accepted' },
    { name: 'new-risk-detected', raw: fixture('new-risk-detected'), stage: 'accepted' },
    { name: 'single-risk-admin-subject', raw: fixture('single-risk-admin-subject'), stage: 'accepted' },
    { name: 'sender-not-allowed', raw: fixture('sender-not-allowed'), reason: 'sender_not_allowed', stage: 'envelope' },
    {
      name: 'no-subject',
      raw: Buffer.from(canonical.replace(/^Subject:.*\r\n/m, ''), 'latin1'),
      reason: 'subject_not_matched',
      stage: 'envelope',
    },
    { name: 'too-large', raw: makeAlertMail(1, { padBytes: 600 * 1024 }), reason: 'too_large', stage: 'envelope' },
    {
      name: 'unreadable',
      raw: Buffer.from(`X-Pad: ${'a'.repeat(300 * 1024)}\r\n\r\nbody`),
      reason: 'unreadable',
      stage: 'mime',
    },
    { name: 'auto-reply', raw: fixture('auto-reply-out-of-office'), reason: 'auto_reply', stage: 'sender' },
    { name: 'spoofed-sepm-from', raw: fixture('spoofed-sepm-from'), reason: 'sender_untrusted', stage: 'sender' },
    {
      name: 'forwarded-inline-gmail',
      raw: fixture('forwarded-inline-gmail'),
      reason: 'sender_untrusted',
      stage: 'sender',
    },
    { name: 'server-health', raw: fixture('real-server-health-alert-am'), reason: 'not_risk', stage: 'content' },
    { name: 'risk-subject-no-events', raw: fixture('risk-subject-no-events'), reason: 'no_events', stage: 'content' },
  ];
}

/** What `sepm-intake parse` says: its reason (or accepted), stage, or `unreadable` for its one-line error. */
async function parseVerdict(file: string, cfgFile: string): Promise<{ reason?: string; stage?: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => out.push(String(c)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => err.push(String(c)) > 0);
  const code = await parse([file, '--config', cfgFile]);
  vi.restoreAllMocks();
  if (code !== 0) return /not a readable mail/.test(err.join('')) ? { reason: 'unreadable' } : { reason: err.join('') };
  const doc = JSON.parse(out.join('')) as { accepted: boolean; rejectReason?: string; decidedBy: string };
  expect(doc.accepted).toBe(doc.rejectReason === undefined);
  return { ...(doc.rejectReason ? { reason: doc.rejectReason } : {}), stage: doc.decidedBy };
}

/** What the intake worker did with the job: its rejection reason, accepted, or the reason of a permanent failure. */
async function workerVerdict(queue: Queue<unknown, IntakeResult>, jobId: string): Promise<string | undefined> {
  const job = await queue.getJob(jobId);
  const state = await job!.getState();
  if (state === 'failed') return /\((\w+)\)$/.exec(job!.failedReason)?.[1] ?? job!.failedReason;
  const r = job!.returnvalue;
  return r.status === 'rejected' ? r.reason : undefined;
}

describe('one decision for parse and the worker', () => {
  it('gives the same reason code for every reject reason, and parse names the stage that decided', async () => {
    const rows = table();
    const prefix = randomPrefix('decision-table');
    prefixes.push(prefix);
    // A subject pattern every real subject matches, so the mail without one shows subject_not_matched.
    const raw = rawConfig(prefix, { subjectPatterns: ['/\\S/'], maxRawBytes: 512 * 1024 });
    const cfgFile = join(tmp, 'decision.json');
    writeFileSync(cfgFile, JSON.stringify(raw));
    const config = configSchema.parse(raw);
    const service = await startService({ config, roles: ['worker'], logger: silentLogger });
    const redis = new Redis(TEST_REDIS_URL);
    // The mail goes straight into the intake queue, as a hand-added job would: the worker's own envelope stage decides.
    const producer = createIntakeProducer(testRuntime(prefix), redis, silentLogger);
    const queue = new Queue<unknown, IntakeResult>(QueueNames.intake, { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      const ids = new Map<string, string>();
      for (const r of rows)
        ids.set(r.name, await producer.enqueue({ raw: r.raw, origin: { kind: 'spool', source: 'spool' } }));
      await waitUntil(
        async () => {
          const c = await queue.getJobCounts('completed', 'failed');
          return (c.completed ?? 0) + (c.failed ?? 0) === rows.length;
        },
        30_000,
        'every table job done',
      );
      const seen: { name: string; parse: string | undefined; stage: string | undefined; worker: string | undefined }[] =
        [];
      for (const r of rows) {
        const file = join(tmp, `${r.name}.eml`);
        writeFileSync(file, r.raw);
        const p = await parseVerdict(file, cfgFile);
        seen.push({
          name: r.name,
          parse: p.reason,
          stage: p.stage,
          worker: await workerVerdict(queue, ids.get(r.name)!),
        });
      }
      const expected = rows.map((r) => ({
        name: r.name,
        parse: r.reason,
        // parse reports an unreadable mail as an error line, without a stage.
        stage: r.reason === 'unreadable' ? undefined : r.stage,
        worker: r.reason,
      }));
      expect(seen).toEqual(expected);
    } finally {
      await queue.close();
      await producer.close();
      redis.disconnect();
      await service.stop();
    }
  }, 60_000);
});

import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as replay } from '../../src/cli/commands/replay.ts';
import { configSchema } from '../../src/config/schema.ts';
import { getAutomationKey, verifySeal } from '../../src/jobs/seal.ts';
import { createIntakeProducer } from '../../src/jobs/intake-queue.ts';
import { SpoolSource } from '../../src/ingest/spool/spool-source.ts';
import { createIntakeWorker, type IntakeResult } from '../../src/intake/worker.ts';
import type { IncidentReadyData } from '../../src/jobs/hand-off-schemas.ts';
import { startService } from '../../src/main.ts';
import type { MailParseResult } from '../../src/mail/types.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import { openEmbeddedStore } from '../../src/soar/embedded/store.ts';
import { waitUntil } from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures/emails');
let tmp: string;
const prefixes: string[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ingest-spool-'));
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  for (const p of prefixes) await cleanupPrefix(p);
});

/** Drops a fixture the way operators should: write under another name, then rename to .eml (atomic). */
function drop(dir: string, fixture: string): void {
  copyFileSync(join(FIXTURES, `${fixture}.eml`), join(dir, `${fixture}.part`));
  renameSync(join(dir, `${fixture}.part`), join(dir, `${fixture}.eml`));
}

describe('spool directory, replay and npm start', () => {
  it('ingests dropped files, rejects spoofed senders and non-risk notifications without incidents, and replays idempotently', async () => {
    const prefix = randomPrefix('spool');
    prefixes.push(prefix);
    const dir = join(tmp, 'inbox');
    const raw = {
      redis: { url: TEST_REDIS_URL, prefix },
      mail: { spool: { dir, pollMs: 100 }, filter: { allowedSenders: ['sepm@sepmdomain.com'] } },
      senderAuth: { trustedAuthservIds: ['mx.corp.example'], requireSpf: true },
      soar: { embedded: { path: join(tmp, 'spool.db') } },
    };
    const config = configSchema.parse(raw);
    const service = await startService({ config, roles: ['watcher', 'worker'], logger: silentLogger });
    const intake = new Queue<unknown, IntakeResult>(QueueNames.intake, { connection: { url: TEST_REDIS_URL }, prefix });
    const ready = new Queue<IncidentReadyData>(QueueNames.incidentReady, {
      connection: { url: TEST_REDIS_URL },
      prefix,
    });
    try {
      for (const f of [
        'canonical-single-risk',
        'spoofed-sepm-from',
        'sender-not-allowed',
        'risk-subject-health-body',
        'not-sepm-newsletter',
      ]) {
        drop(dir, f);
      }
      await waitUntil(
        async () => (await intake.getJobCounts('completed')).completed === 3,
        20_000,
        '3 intake jobs done',
      );
      // A file moves to processed/ once its job finished (next pass: ≤ pollMs).
      await waitUntil(() => readdirSync(join(dir, 'processed')).length === 3, 10_000, '3 files processed');
      expect(readdirSync(join(dir, 'processed')).sort()).toEqual([
        'canonical-single-risk.eml',
        'risk-subject-health-body.eml',
        'spoofed-sepm-from.eml',
      ]);
      expect(readdirSync(join(dir, 'failed')).sort()).toEqual([
        'not-sepm-newsletter.eml',
        'not-sepm-newsletter.eml.reason',
        'sender-not-allowed.eml',
        'sender-not-allowed.eml.reason',
      ]);
      expect(readFileSync(join(dir, 'failed', 'sender-not-allowed.eml.reason'), 'utf8')).toMatch(
        /^sender_not_allowed: /,
      );
      const results = (await intake.getCompleted()).map((j) => j.returnvalue);
      const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(reasons.sort()).toEqual(['not_risk', 'sender_untrusted']);
      const incidents = await service.soar!.listIncidents();
      expect(incidents).toHaveLength(1);
      expect(incidents[0]!.name).toContain('TEST-ENDPOINT');
      const [handOff] = await ready.getWaiting();
      expect(handOff!.data).toMatchObject({
        incidentId: incidents[0]!.id,
        outcome: 'created',
        senderVerdict: 'trusted',
      });
      expect(handOff!.data.messageId).toBe('canonical-single-risk@sepm01.sepmdomain.com');
      // Sealed with the deployment's automation key: enrichment trusts the sender verdict only with it.
      const keyRedis = new Redis(TEST_REDIS_URL);
      try {
        const key = await getAutomationKey(keyRedis, prefix);
        const target = { jobName: handOff!.name, jobId: handOff!.id! };
        expect(verifySeal(key, target, handOff!.data)).toBe(true);
        expect(verifySeal(key, target, { ...handOff!.data, incidentId: 999 })).toBe(false);
        expect(verifySeal(key, { ...target, jobId: 'ready-copy' }, handOff!.data)).toBe(false);
      } finally {
        keyRedis.disconnect();
      }

      const cfgFile = join(tmp, 'replay.json');
      writeFileSync(cfgFile, JSON.stringify(raw));
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const extra = join(tmp, 'archive');
      mkdirSync(extra);
      copyFileSync(join(FIXTURES, 'new-risk-found.eml'), join(extra, 'new-risk-found.eml'));
      const codes = [
        await replay([join(dir, 'processed'), '--config', cfgFile]),
        await replay([extra, '--config', cfgFile]),
      ];
      const printed = out.mock.calls.map((c) => String(c[0])).join('');
      out.mockRestore();
      expect(codes).toEqual([0, 0]);
      expect(printed).toContain('3 file(s): 0 queued, 3 already queued');
      expect(printed).toContain('1 file(s): 1 queued, 0 already queued');
      await waitUntil(async () => (await service.soar!.listIncidents()).length === 2, 20_000, 'replayed mail ingested');
      expect(existsSync(join(extra, 'new-risk-found.eml'))).toBe(true);
    } finally {
      await intake.close();
      await ready.close();
      await service.stop(5000);
    }
  });

  it('npm start (--demo) with no config runs the demo, says where to drop mail, and exits 0 on SIGTERM', async () => {
    const prefix = randomPrefix('start');
    prefixes.push(prefix);
    const home = join(tmp, 'defaults');
    mkdirSync(home);
    const env = {
      ...process.env,
      SEPM_INTAKE_REDIS_PREFIX: prefix,
      SEPM_INTAKE_SPOOL_DIR: join(home, 'inbox'),
      SEPM_INTAKE_SOAR_DB: join(home, 'incidents.db'),
      SEPM_INTAKE_LOG_LEVEL: 'warn',
    };
    const args = [join(ROOT, 'bin/sepm-intake.js'), 'start', '--demo', '--role', 'watcher,worker'];
    const child = spawn(process.execPath, args, { cwd: home, env });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitUntil(() => stdout.includes('Drop SEPM alert mails'), 30_000, 'start banner');
      expect(stdout).toContain(join(home, 'inbox'));
      expect(stdout).toContain('sepm-intake incidents list');
      expect(stdout).toContain('DEMO: sepm.mode is simulator');
      drop(join(home, 'inbox'), 'canonical-single-risk');
      await waitUntil(
        () => existsSync(join(home, 'inbox', 'processed', 'canonical-single-risk.eml')),
        20_000,
        'file processed',
      );
      const store = openEmbeddedStore(join(home, 'incidents.db'));
      try {
        await waitUntil(async () => (await store.listIncidents()).length === 1, 20_000, 'incident stored');
      } finally {
        await store.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('start says clearly that Redis is unreachable and exits 1', async () => {
    const env = {
      ...process.env,
      SEPM_INTAKE_REDIS_URL: 'redis://127.0.0.1:1',
      SEPM_INTAKE_SPOOL_DIR: join(tmp, 'never'),
    };
    const child = spawn(process.execPath, [join(ROOT, 'bin/sepm-intake.js'), 'start', '--demo'], { cwd: tmp, env });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toContain('REDIS_UNREACHABLE: Redis is not reachable at redis://127.0.0.1:1');
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });

  it('never follows a symlink out of the spool: the link goes to failed/, its target is not read, job data has no path', async () => {
    const prefix = randomPrefix('spool-link');
    prefixes.push(prefix);
    const dir = join(tmp, 'linked');
    const outside = join(tmp, 'outside');
    mkdirSync(join(dir, 'failed'), { recursive: true });
    mkdirSync(join(dir, 'processed'));
    mkdirSync(outside);
    // A real SEPM alert outside the spool (what a link would make us ingest) and a file a planted
    // `.reason` link would overwrite.
    copyFileSync(join(FIXTURES, 'canonical-single-risk.eml'), join(outside, 'secret.eml'));
    writeFileSync(join(outside, 'victim.txt'), 'untouched');
    symlinkSync(join(outside, 'secret.eml'), join(dir, 'evil.eml'));
    symlinkSync(join(outside, 'victim.txt'), join(dir, 'failed', 'evil.eml.reason'));
    copyFileSync(join(FIXTURES, 'canonical-single-risk.eml'), join(dir, 'good.eml'));
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const producer = createIntakeProducer(testRuntime(prefix), connection);
    const config = configSchema.parse({ redis: { url: TEST_REDIS_URL, prefix } });
    const spool = new SpoolSource({
      dir,
      pollMs: 60_000,
      filter: config.mail.filter,
      producer,
      redis: connection,
      logger: silentLogger,
      settleMs: 0,
    });
    try {
      // No worker runs here: good.eml is queued and stays in the spool until its job finished.
      expect(await spool.pass()).toEqual({ processed: 0, failed: 1, queued: 1, waiting: 1 });
      const failed = readdirSync(join(dir, 'failed')).sort();
      expect(failed).toEqual(['evil.eml', 'evil.eml.reason']);
      expect(lstatSync(join(dir, 'failed', 'evil.eml')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(dir, 'failed', 'evil.eml.reason')).isFile()).toBe(true);
      expect(readFileSync(join(dir, 'failed', 'evil.eml.reason'), 'utf8')).toMatch(
        /^not_regular_file: symlink refused/,
      );
      expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('untouched');
      expect(existsSync(join(outside, 'secret.eml'))).toBe(true);
      expect(readdirSync(join(dir, 'processed'))).toEqual([]);
      expect(existsSync(join(dir, 'good.eml'))).toBe(true);
      const jobs = await producer.queue.getJobs(['waiting', 'active', 'completed', 'failed']);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.data.origin).toEqual({ kind: 'spool', source: 'spool', file: 'good.eml' });
      expect(JSON.stringify(jobs[0]!.data)).not.toContain(tmp);
    } finally {
      await producer.close();
      connection.disconnect();
    }
  });

  it('intake jobs carry an origin seal for their id; retryFailed (replay) re-seals a failed job and retries it', async () => {
    const prefix = randomPrefix('reseal');
    prefixes.push(prefix);
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const producer = createIntakeProducer(testRuntime(prefix), connection);
    const failing = new Worker(
      QueueNames.intake,
      async () => {
        throw new UnrecoverableError('boom');
      },
      { connection, prefix },
    );
    try {
      const jobId = await producer.enqueue({ raw: Buffer.from('x'), origin: { kind: 'replay', source: 'spool' } });
      const key = await getAutomationKey(connection, prefix);
      const first = (await producer.queue.getJob(jobId))!;
      expect(verifySeal(key, { jobName: first.name, jobId }, first.data)).toBe(true);
      expect(verifySeal(key, { jobName: first.name, jobId: 'mail-copy' }, first.data)).toBe(false);
      await waitUntil(async () => (await first.getState()) === 'failed', 10_000, 'job failed');
      await failing.close();
      await new Promise((r) => setTimeout(r, 5));
      await producer.retryFailed((await producer.queue.getJob(jobId))!);
      const again = (await producer.queue.getJob(jobId))!;
      expect(await again.getState()).toBe('waiting');
      expect(again.data.automationSeal).not.toBe(first.data.automationSeal);
      expect(verifySeal(key, { jobName: again.name, jobId }, again.data)).toBe(true);
    } finally {
      await failing.close();
      await producer.close();
      connection.disconnect();
    }
  });

  it('lets a running intake job finish on shutdown within the deadline', async () => {
    const prefix = randomPrefix('drain');
    prefixes.push(prefix);
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const producer = createIntakeProducer(testRuntime(prefix), connection);
    let started = false;
    const handle = createIntakeWorker({
      runtime: testRuntime(prefix),
      connection,
      logger: silentLogger,
      deps: {
        analyze: async () => {
          started = true;
          await new Promise((r) => setTimeout(r, 1000));
          return { accepted: false, rejectReason: 'not_risk' } as MailParseResult;
        },
        toIncidents: () => [],
        soar: {} as SoarClient,
        mergeWindowMs: 0,
      },
    });
    try {
      const jobId = await producer.enqueue({ raw: Buffer.from('x'), origin: { kind: 'spool', source: 'spool' } });
      await waitUntil(() => started, 10_000, 'job started');
      await handle.close(10_000);
      const job = await producer.queue.getJob(jobId);
      expect(await job!.getState()).toBe('completed');
      expect(job!.returnvalue).toEqual({ status: 'rejected', reason: 'not_risk' });
    } finally {
      await producer.close();
      connection.disconnect();
    }
  });
});

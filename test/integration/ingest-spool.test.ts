import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as replay } from '../../src/cli/commands/replay.ts';
import { configSchema } from '../../src/config/schema.ts';
import { getAutomationKey, verifySeal } from '../../src/enrich/jobs/seal.ts';
import { createIntakeProducer } from '../../src/ingest/intake-queue.ts';
import { createIntakeWorker, type IncidentReadyData, type IntakeResult } from '../../src/ingest/intake-worker.ts';
import { startService } from '../../src/main.ts';
import type { MailParseResult } from '../../src/parsers/types.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/shared/queues.ts';
import { openEmbeddedStore } from '../../src/soar/embedded-store.ts';
import { waitUntil } from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

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
        expect(verifySeal(await getAutomationKey(keyRedis, prefix), handOff!.name, handOff!.data)).toBe(true);
        expect(
          verifySeal(await getAutomationKey(keyRedis, prefix), handOff!.name, { ...handOff!.data, incidentId: 999 }),
        ).toBe(false);
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

  it('lets a running intake job finish on shutdown within the deadline', async () => {
    const prefix = randomPrefix('drain');
    prefixes.push(prefix);
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const producer = createIntakeProducer(connection, prefix);
    let started = false;
    const handle = createIntakeWorker({
      connection,
      prefix,
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
        rejectUntrusted: false,
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

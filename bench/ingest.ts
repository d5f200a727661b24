/**
 * Ingest benchmark: real Dovecot (private instance) + real Redis + embedded incident store, whole pipeline in one
 * process (watcher + intake worker). Run as root (Dovecot): `node --import tsx bench/ingest.ts [--count 500]
 * [--rate 50] [--storm 10000]`.
 *  1. Baseline: mails queued directly on the intake queue at --rate/s → incident stored (no IMAP).
 *  2. Latency: mails APPENDed to Dovecot at --rate/s → incident stored; p50/p99 and the ratio to the baseline.
 *  3. Storm: --storm mails already in the mailbox when the service starts → all ingested; drain time, peak RSS,
 *     lost and duplicated counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { configSchema, type Config } from '../src/config/schema.ts';
import { buildIntakeJob, createIntakeProducer } from '../src/jobs/intake-queue.ts';
import { createJobRuntime } from '../src/main.ts';
import { startService } from '../src/main.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { QueueNames } from '../src/jobs/queues.ts';
import type { Incident } from '../src/soar/port.ts';
import {
  appendMails,
  imapFor,
  imapSourceFor,
  makeAlertMail,
  startDovecot,
  type DovecotInstance,
} from '../test/helpers/dovecot.ts';
import { cleanupPrefix, randomPrefix } from '../test/helpers/redis.ts';

const REDIS_URL = process.env.SEPM_INTAKE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    rate: { type: 'string', default: '50' },
    storm: { type: 'string', default: '10000' },
  },
});
const COUNT = Number(values.count);
const RATE = Number(values.rate);
const STORM = Number(values.storm);

const tmp = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
const prefixes: string[] = [];

function config(d: DovecotInstance, user: string): Config {
  const prefix = randomPrefix('bench');
  prefixes.push(prefix);
  return configSchema.parse({
    redis: { url: REDIS_URL, prefix },
    mail: { spool: { enabled: false }, imap: [imapSourceFor(d, 'bench', user, { idleRefreshSec: 240 })] },
    soar: { embedded: { path: join(tmp, `${prefix}.db`) } },
    log: { level: 'silent' },
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Watches intake completions; resolves each job id's completion time (ms since epoch). */
function completions(cfg: Config): { done: Map<string, number>; events: QueueEvents } {
  const done = new Map<string, number>();
  const events = new QueueEvents(QueueNames.intake, { connection: { url: REDIS_URL }, prefix: cfg.redis.prefix });
  events.on('completed', ({ jobId }) => done.set(jobId, Date.now()));
  return { done, events };
}

async function paced(n: number, rate: number, send: (i: number) => Promise<void>): Promise<number[]> {
  const started: number[] = [];
  const t0 = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    started[i] = Date.now();
    pending.push(send(i));
  }
  await Promise.all(pending);
  return started;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

async function latency(d: DovecotInstance, mode: 'direct' | 'imap'): Promise<number[]> {
  const user = `lat-${mode}`;
  const cfg = config(d, user);
  if (mode === 'direct') cfg.mail.imap = [];
  const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
  const { done, events } = completions(cfg);
  await events.waitUntilReady();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const producer = createIntakeProducer(createJobRuntime(REDIS_URL, cfg.redis.prefix), redis);
  const lanes = await Promise.all([0, 1, 2, 3].map(() => imapFor(d, user)));
  const mails = Array.from({ length: COUNT }, (_, i) => makeAlertMail(i, { tag: mode }));
  const ids = mails.map((m, i) =>
    mode === 'direct'
      ? buildIntakeJob({
          raw: m,
          messageId: `alert-${mode}-${i}@sepm01.sepmdomain.com`,
          origin: { kind: 'spool', source: 'spool' },
        }).jobId
      : buildIntakeJob({
          raw: m,
          messageId: `alert-${mode}-${i}@sepm01.sepmdomain.com`,
          origin: { kind: 'imap', source: 'bench' },
        }).jobId,
  );
  const started = await paced(COUNT, RATE, async (i) => {
    if (mode === 'direct')
      await producer.enqueue({
        raw: mails[i]!,
        messageId: `alert-${mode}-${i}@sepm01.sepmdomain.com`,
        origin: { kind: 'spool', source: 'spool' },
      });
    else await lanes[i % lanes.length]!.append('INBOX', mails[i]!);
  });
  await waitFor(() => ids.every((id) => done.has(id)), 60_000);
  const lat = ids.map((id, i) => (done.get(id) ?? NaN) - started[i]!).sort((a, b) => a - b);
  await Promise.all(lanes.map((c) => c.logout()));
  await producer.close();
  redis.disconnect();
  await events.close();
  await service.stop(10_000);
  return lat;
}

async function storm(d: DovecotInstance): Promise<void> {
  const user = 'storm';
  const cfg = config(d, user);
  const t0 = Date.now();
  await appendMails(
    d,
    user,
    Array.from({ length: STORM }, (_, i) => makeAlertMail(i, { tag: 'storm' })),
  );
  console.log(`storm: ${STORM} mails appended in ${((Date.now() - t0) / 1000).toFixed(1)} s (setup, not measured)`);
  let peakRss = process.memoryUsage().rss;
  const baseRss = peakRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const start = Date.now();
  const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
  const soar = service.soar!;
  const intake = new Queue(QueueNames.intake, { connection: { url: REDIS_URL }, prefix: cfg.redis.prefix });
  let completed = 0;
  while (completed < STORM && Date.now() - start < 300_000) {
    await new Promise((r) => setTimeout(r, 100));
    completed = (await intake.getJobCounts('completed')).completed ?? 0;
  }
  const drainMs = Date.now() - start;
  clearInterval(sampler);
  await intake.close();
  const incidents: Incident[] = [];
  for (let page = await soar.listIncidents({ limit: 1000 }); page.length > 0;) {
    incidents.push(...page);
    page = await soar.listIncidents({ limit: 1000, offset: incidents.length });
  }
  const keys = new Set(incidents.map((i) => i.dedupKey));
  const merged = incidents.filter((i) => i.occurrences !== 1).length;
  const check = await imapFor(d, user);
  await check.mailboxOpen('INBOX');
  const unseen = await check.search({ seen: false }, { uid: true });
  await check.logout();
  await service.stop(10_000);
  console.log(
    `storm: ${STORM} mails → ${incidents.length} incidents in ${(drainMs / 1000).toFixed(1)} s ` +
      `(${Math.round((incidents.length * 1000) / drainMs)} mails/s); lost ${STORM - keys.size}, duplicated ${incidents.length - keys.size + merged}; ` +
      `unseen left ${Array.isArray(unseen) ? unseen.length : '?'}; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB (process start ${(baseRss / 2 ** 20).toFixed(0)} MB)`,
  );
}

const d = await startDovecot();
try {
  if (COUNT > 0) {
    const base = await latency(d, 'direct');
    const imap = await latency(d, 'imap');
    const fmt = (l: number[]) =>
      `p50 ${pct(l, 50).toFixed(0)} ms, p99 ${pct(l, 99).toFixed(0)} ms, max ${l[l.length - 1]!.toFixed(0)} ms`;
    console.log(`baseline (direct enqueue → incident) ${COUNT} mails at ${RATE}/s: ${fmt(base)}`);
    console.log(`imap (APPEND → incident) ${COUNT} mails at ${RATE}/s: ${fmt(imap)}`);
    console.log(
      `imap/baseline p50 ratio ${(pct(imap, 50) / pct(base, 50)).toFixed(2)}, p99 ratio ${(pct(imap, 99) / pct(base, 99)).toFixed(2)}`,
    );
  }
  if (STORM > 0) await storm(d);
} finally {
  await d.stop();
  for (const p of prefixes) await cleanupPrefix(p);
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);

/**
 * EOC scan cost at estate size (`node --import tsx bench/enrich-scan.ts`, or `npm run bench -- enrich-scan`): the
 * scan as one operation (group-targeted, shared across incidents) side by side with the old chunked path
 * (bench/scan-legacy.ts) in one run, on a simulated estate of BENCH_COMPUTERS (default 50,000) endpoints, every
 * 50th offline, one match on every 500th. Per path: SEPM requests and bytes to start and to finish one artifact
 * scan, heap peak above idle, wall time; then an outbreak (BENCH_MAILS incidents, default 100, one hash): SEPM
 * requests per mail. The SEPM simulator runs in its own process. Needs Redis. Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { configSchema } from '../src/config/schema.ts';
import { buildContext } from '../src/enrich/jobs/worker.ts';
import { eocScanArtifact } from '../src/enrich/playbooks/scan-artifact.ts';
import { trackCommand } from '../src/enrich/tracking/track.ts';
import { createSepmFromConfig } from '../src/enrich/start.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { Redis } from 'ioredis';
import { openEmbeddedStore } from '../src/soar/embedded/store.ts';
import { SepTables } from '../src/soar/sep-tables.ts';
import { legacyEocScanArtifact } from './scan-legacy.ts';

const REDIS = process.env.SEPM_INTAKE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const COMPUTERS = Number(process.env.BENCH_COMPUTERS ?? 50_000);
const MAILS = Number(process.env.BENCH_MAILS ?? 100);
const HASH = 'cd'.repeat(32);
const TIMEOUT_SEC = 5;

const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/enrich-child.ts', 'sim'], {
  env: {
    ...process.env,
    BENCH_COMPUTERS: String(COMPUTERS),
    BENCH_SPREAD: '500',
    BENCH_OFFLINE: '50',
    BENCH_HASH: HASH,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
const sim = await next();

interface Counters {
  requests: number;
  bytes: number;
}
const sum = (o: unknown) => Object.values((o ?? {}) as Record<string, number>).reduce((n, v) => n + v, 0);
async function counters(): Promise<Counters> {
  proc.kill('SIGUSR2');
  const s = await next();
  return { requests: sum(s.requests) + Number(s.logins), bytes: sum(s.bytes) };
}
const diff = (a: Counters, b: Counters): Counters => ({ requests: b.requests - a.requests, bytes: b.bytes - a.bytes });

const prefix = `bench-scan-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'bench-scan-'));
const soar = openEmbeddedStore(join(dir, 'incidents.db'));
const creds = sim.credentials as { username: string; password: string; domain: string };
const config = configSchema.parse({
  redis: { url: REDIS, prefix },
  sepm: {
    host: sim.host,
    port: sim.port,
    protocol: sim.protocol,
    caBundle: sim.caFile,
    ...creds,
    scanTimeoutSec: TIMEOUT_SEC,
    resultsLimit: 20,
    requestTimeoutMs: 300_000,
  },
  enrich: { dedupWindowSec: 3600 },
});
const sepm = createSepmFromConfig(config.sepm, silentLogger);
const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
const queues = {
  sep: new Queue('sep', { connection: redis, prefix }),
  tracking: new Queue('tracking', { connection: redis, prefix }),
};
const ctx = buildContext(
  { config, sepm: sepm.api, client: sepm.client, soar, redis, prefix, logger: silentLogger, queues },
  { requestedBy: 'auto' },
  'bench',
);
let n = 0;
async function incident(): Promise<number> {
  const r = await soar.findOrCreateIncident(
    {
      dedupKey: `s${++n}`,
      name: 'bench',
      description: '',
      descriptionFormat: 'text',
      discoveredDate: Date.now(),
      severity: 'Low',
      incidentTypes: [],
      properties: {},
      artifacts: [],
    },
    { mergeWindowMs: 0 },
  );
  return r.incident.id;
}

type Path = 'one operation' | 'chunked (old)';
const artifact = (value: string) => ({ type: 'Malware SHA-256 Hash' as const, value });

async function start(path: Path, incidentId: number, value: string) {
  const p = { incidentId, artifact: artifact(value), scanType: 'QUICK' as const };
  if (path === 'chunked (old)') return legacyEocScanArtifact(p, ctx);
  const r = (await eocScanArtifact(p, ctx)) as { commandId: string; rowId: number };
  return [{ commandId: r.commandId, rowId: r.rowId }];
}

/** Polls every command of the scan (as its tracking jobs would) until each is terminal or Timedout. */
async function finish(incidentId: number, commands: { commandId: string; rowId: number }[], startedAt: number) {
  const open = new Set(commands);
  while (open.size > 0) {
    for (const c of [...open]) {
      const payload = { incidentId, ...c, kind: 'scan' as const, attempt: 0, startedAt, once: true };
      const r = (await trackCommand(payload, ctx)) as { terminal?: boolean };
      if (r.terminal) open.delete(c);
    }
    if (open.size > 0) await new Promise((res) => setTimeout(res, 500));
  }
}

const f = (x: number, d = 1) => x.toFixed(d);
const mb = (b: number) => `${f(b / 1e6, 2)} MB`;
console.log(
  `# EOC scan at estate size (node ${process.version}, ${COMPUTERS} endpoints, every 50th offline, a match on every 500th)`,
);
for (const path of ['one operation', 'chunked (old)'] as const) {
  global.gc?.();
  const idle = process.memoryUsage().heapUsed;
  let peak = idle;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const incidentId = await incident();
  const c0 = await counters();
  const t0 = performance.now();
  const startedAt = Date.now();
  const commands = await start(path, incidentId, HASH);
  const t1 = performance.now();
  const c1 = await counters();
  await finish(incidentId, commands, startedAt);
  const t2 = performance.now();
  const c2 = await counters();
  clearInterval(timer);
  const s = diff(c0, c1);
  const e = diff(c1, c2);
  const rows = (await soar.listTableRows(incidentId, SepTables.eocScanResults)).length;
  const csvs = (await soar.listAttachments(incidentId)).length;
  const notes = (await soar.listNotes(incidentId)).length;
  console.log(`${path}:`);
  console.log(
    `  start : ${s.requests} SEPM requests, ${mb(s.bytes)}, ${f((t1 - t0) / 1000, 2)} s, ${commands.length} command(s)`,
  );
  console.log(
    `  finish: ${e.requests} SEPM requests, ${mb(e.bytes)}, ${f((t2 - t1) / 1000, 2)} s (incl. the ${TIMEOUT_SEC} s timeout for offline endpoints)`,
  );
  console.log(`  heap peak +${f((peak - idle) / 1e6)} MB above idle; ${rows} rows, ${csvs} CSV(s), ${notes} note(s)`);
  const mails = path === 'one operation' ? MAILS : 2;
  const value = `${path === 'one operation' ? 'ab' : 'ef'}`.repeat(32);
  const o0 = await counters();
  await start(path, await incident(), value);
  const o1 = await counters();
  for (let i = 1; i < mails; i++) await start(path, await incident(), value);
  const o2 = await counters();
  const first = diff(o0, o1).requests;
  const rest = diff(o1, o2).requests / Math.max(1, mails - 1);
  console.log(`  outbreak (${mails} mails, one hash): first mail ${first} SEPM requests, then ${f(rest, 2)} per mail`);
}
proc.kill('SIGTERM');
await Promise.all(Object.values(queues).map((q) => q.close()));
redis.disconnect();
await sepm.close();
await soar.close();
rmSync(dir, { recursive: true, force: true });
const clean = new Redis(REDIS, { maxRetriesPerRequest: null });
for (const key of await clean.keys(`${prefix}*`)) await clean.del(key);
clean.disconnect();
process.exit(0);

/**
 * Enrichment benchmark (`node --import tsx bench/enrich.ts`): jobs per second through the `sep` queue with one and
 * with two worker processes against the SEPM simulator (its own process), SEPM logins per 100 jobs, and the memory
 * of tracking a 100,000-match EOC scan compared with a 1,000-match one. Needs Redis (SEPM_INTAKE_REDIS_URL or
 * redis://127.0.0.1:6379). Prints figures; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { configSchema, type Config } from '../src/config/schema.ts';
import { enqueueUntrusted } from '../src/jobs/catalog.ts';
import { buildContext } from '../src/enrich/jobs/worker.ts';
import { eocScanArtifact } from '../src/enrich/playbooks/scan-artifact.ts';
import { trackCommand } from '../src/enrich/tracking/track.ts';
import { createSepmFromConfig } from '../src/enrich/start.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { Redis } from 'ioredis';
import { openEmbeddedStore } from '../src/soar/embedded/store.ts';
import { SepTables } from '../src/soar/sep-tables.ts';

const REDIS = process.env.SEPM_INTAKE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = Number(process.env.BENCH_JOBS ?? 600);

interface Child {
  proc: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

function child(mode: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/enrich-child.ts', mode], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return {
    proc,
    async next() {
      const r = await lines.next();
      if (r.done) throw new Error(`${mode} child ended early`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
  };
}

async function stop(c: Child): Promise<Record<string, unknown>> {
  c.proc.kill('SIGTERM');
  return c.next();
}

function configFor(sim: Record<string, unknown>, prefix: string, extra: Record<string, unknown> = {}): Config {
  const creds = sim.credentials as { username: string; password: string; domain: string };
  return configSchema.parse({
    redis: { url: REDIS, prefix },
    sepm: {
      host: sim.host,
      port: sim.port,
      protocol: sim.protocol,
      caBundle: sim.caFile,
      username: creds.username,
      password: creds.password,
      domain: creds.domain,
      pollIntervalSec: 0.05,
      pollMaxIntervalSec: 0.5,
      ...extra,
    },
    enrich: { dedupWindowSec: 0 },
  });
}

async function cleanup(prefix: string): Promise<void> {
  const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** `endpoint-details` = playbook (SEPM look-up + rows in the shared SQLite store); `get-domains` = SEPM only. */
type Kind = 'endpoint-details' | 'get-domains';

async function throughput(workers: number, kind: Kind): Promise<{ perSec: number; loginsPer100: number }> {
  const simChild = child('sim', { BENCH_COMPUTERS: '300' });
  const sim = await simChild.next();
  const names = sim.names as string[];
  const prefix = `bench-enrich-${process.pid}-${workers}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-enrich-'));
  const storePath = join(dir, 'incidents.db');
  const store = openEmbeddedStore(storePath);
  const incidents: number[] = [];
  for (let i = 0; i < JOBS / 10; i++) {
    const r = await store.findOrCreateIncident(
      {
        dedupKey: `b${i}`,
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
    incidents.push(r.incident.id);
  }
  const config = configFor(sim, prefix);
  const env = { BENCH_CFG: JSON.stringify({ config, redisUrl: REDIS, prefix, storePath }) };
  const kids = Array.from({ length: workers }, () => child('worker', env));
  for (const k of kids) await k.next();
  const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
  const queue = new Queue('sep', { connection: redis, prefix });
  const t0 = performance.now();
  for (let i = 0; i < JOBS; i++) {
    const artifact = { type: 'System Name', value: names[i % names.length]! };
    const payload = kind === 'get-domains' ? {} : { incidentId: incidents[i % incidents.length], artifact };
    await enqueueUntrusted(queue, kind, payload, { redis, requestedBy: 'api', dedupWindowSec: 0 });
  }
  for (;;) {
    const c = await queue.getJobCounts('completed', 'failed');
    if ((c.completed ?? 0) + (c.failed ?? 0) >= JOBS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const secs = (performance.now() - t0) / 1000;
  const failed = (await queue.getJobCounts('failed')).failed ?? 0;
  const stats = await Promise.all(kids.map(stop));
  const logins = stats.reduce((n, s) => n + Number((s.stats as { logins: number }).logins), 0);
  await stop(simChild);
  await queue.close();
  redis.disconnect();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await cleanup(prefix);
  if (failed) console.log(`  (${failed} jobs failed)`);
  return { perSec: JOBS / secs, loginsPer100: (logins / JOBS) * 100 };
}

/** Tracks one scan to its end in this process, sampling heap and RSS; returns the peaks above the start, MB. */
async function trackMemory(
  computers: number,
  perComputer: number,
): Promise<{ heapMb: number; rssMb: number; maxRssMb: number; secs: number; rows: number; csvMb: number }> {
  const hash = 'ab'.repeat(32);
  const simChild = child('sim', {
    BENCH_COMPUTERS: String(computers),
    BENCH_PLANT: String(perComputer),
    BENCH_HASH: hash,
  });
  const sim = await simChild.next();
  const prefix = `bench-enrich-mem-${process.pid}-${computers}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-enrich-'));
  const soar = openEmbeddedStore(join(dir, 'incidents.db'));
  const config = configFor(sim, prefix, { requestTimeoutMs: 120_000 });
  const sepm = createSepmFromConfig(config.sepm, silentLogger);
  const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
  const queues = {
    sep: new Queue('sep', { connection: redis, prefix }),
    tracking: new Queue('tracking', { connection: redis, prefix }),
  };
  const deps = { config, sepm: sepm.api, client: sepm.client, soar, redis, prefix, logger: silentLogger, queues };
  const ctx = buildContext(deps, { requestedBy: 'analyst' }, 'bench');
  const inc = await soar.findOrCreateIncident(
    {
      dedupKey: 'm',
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
  const incidentId = inc.incident.id;
  const started = (await eocScanArtifact(
    { incidentId, artifact: { type: 'Malware SHA-256 Hash', value: hash }, scanType: 'QUICK' },
    ctx,
  )) as { commandId: string; rowId: number };
  await new Promise((r) => setTimeout(r, 200));
  global.gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 5);
  const t0 = performance.now();
  const payload = {
    incidentId,
    commandId: started.commandId,
    kind: 'scan' as const,
    attempt: 0,
    startedAt: Date.now(),
    rowId: started.rowId,
    once: true,
  };
  for (;;) {
    const r = (await trackCommand(payload, ctx)) as { terminal?: boolean };
    if (r.terminal) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const secs = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const rows = (await soar.listTableRows(incidentId, SepTables.eocScanResults)).length;
  const atts = await soar.listAttachments(incidentId);
  const csvMb = atts.reduce((n, a) => n + a.size, 0) / 1e6;
  await stop(simChild);
  await Promise.all(Object.values(queues).map((q) => q.close()));
  redis.disconnect();
  await sepm.close();
  await soar.close();
  rmSync(dir, { recursive: true, force: true });
  await cleanup(prefix);
  return { heapMb: (peakHeap - base.heapUsed) / 1e6, rssMb: (peakRss - base.rss) / 1e6, maxRssMb, secs, rows, csvMb };
}

const f = (n: number, d = 1) => n.toFixed(d);
console.log(`# enrichment benchmark (node ${process.version}, ${JOBS} jobs per figure, SEPM sim in its own process)`);
const skip = process.env.BENCH_ONLY === 'memory';
for (const kind of ['get-domains', 'endpoint-details'] as const) {
  if (skip) break;
  const one = await throughput(1, kind);
  console.log(
    `${kind}, 1 worker process : ${f(one.perSec)} jobs/s, ${f(one.loginsPer100, 2)} SEPM logins per 100 jobs`,
  );
  const two = await throughput(2, kind);
  console.log(
    `${kind}, 2 worker processes: ${f(two.perSec)} jobs/s, ${f(two.loginsPer100, 2)} SEPM logins per 100 jobs (×${f(two.perSec / one.perSec, 2)} vs 1)`,
  );
}
// An EOC scan is one command for the whole estate (it targets the top-level groups), carrying all the matches.
const small = await trackMemory(100, 10);
console.log(
  `track 1,000-match scan   : +${f(small.heapMb)} MB heap peak, +${f(small.rssMb)} MB RSS (process peak ${f(small.maxRssMb, 0)} MB), ${f(small.secs, 2)} s, ${small.rows} rows, CSV ${f(small.csvMb, 2)} MB`,
);
const big = await trackMemory(100, 1000);
console.log(
  `track 100,000-match scan : +${f(big.heapMb)} MB heap peak, +${f(big.rssMb)} MB RSS (process peak ${f(big.maxRssMb, 0)} MB), ${f(big.secs, 2)} s, ${big.rows} rows, CSV ${f(big.csvMb, 2)} MB (heap ×${f(big.heapMb / Math.max(small.heapMb, 0.1), 1)} for ×100 matches)`,
);
process.exit(0);

/**
 * SEPM client benchmark (`node --import tsx bench/sepm.ts [--computers 50000] [--page-size 1000]`), against the
 * SEPM simulator in-process over HTTPS. Prints figures with a baseline measured in the same process:
 *  1. SEPM logins per 100 function calls: token manager vs one login per call (what fn_sep did).
 *  2. Pages and time to find one host in a large estate: computerName filter vs scanning pages until found.
 *  3. Peak live heap while reading every computer: streamed pages (summary) vs collecting all pages first.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sepmSchema, type SepmConfig } from '../src/config/schema.ts';
import { createSepmClient, type SepmClient } from '../src/sepm/client/client.ts';
import { StatusAccumulator } from '../src/sepm/results/endpoint-status.ts';
import { createSepmApi, type SepmRawApi } from '../src/sepm/functions/api.ts';
import type { SepmComputer } from '../src/sepm/functions/types.ts';
import { startSepmSim, type SepmSim } from '../sim/sepm/index.ts';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const { values } = parseArgs({
  options: { computers: { type: 'string', default: '50000' }, 'page-size': { type: 'string', default: '1000' } },
});
const ESTATE = Number(values.computers);
const PAGE_SIZE = Number(values['page-size']);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const line = (s: string) => process.stdout.write(`${s}\n`);

function configFor(sim: SepmSim, extra: Partial<SepmConfig> = {}): SepmConfig {
  return sepmSchema.parse({ host: sim.host, port: sim.port, caBundle: sim.caFile, ...sim.credentials, ...extra });
}

/** A fixed mix of read calls, 10 at a time (concurrent callers share the login). */
async function hundredCalls(fns: SepmRawApi, names: string[]): Promise<void> {
  for (let batch = 0; batch < 10; batch++) {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const k = (batch * 10 + i) % 4;
        if (k === 0) return fns.getDomains();
        if (k === 1) return fns.getGroups({ pageIndex: 1 });
        if (k === 2) return fns.getComputers({ computerName: names[i % names.length] });
        return fns.getCriticalEvents({});
      }),
    );
  }
}

async function benchLogins(): Promise<void> {
  const sim = await startSepmSim({ computers: 300 });
  try {
    const cfg = configFor(sim);
    const names = sim.state.computers.slice(0, 10).map((c) => c.computerName);
    const shared = createSepmClient(cfg);
    let t = performance.now();
    await hundredCalls(createSepmApi(shared, cfg).raw, names);
    const sharedMs = performance.now() - t;
    const sharedLogins = shared.stats.logins;
    await shared.close();
    // Baseline: a fresh client (fresh login) per call, as fn_sep logged in for every function call.
    const before = sim.state.stats.logins;
    t = performance.now();
    for (let i = 0; i < 100; i++) {
      const c = createSepmClient(cfg);
      await createSepmApi(c, cfg).raw.getDomains();
      await c.close();
    }
    const perCallMs = performance.now() - t;
    line(`## 1. Logins per 100 function calls (estate 300)`);
    line(`token manager: ${sharedLogins} login(s) / 100 calls, ${sharedMs.toFixed(0)} ms`);
    line(`baseline login-per-call: ${sim.state.stats.logins - before} logins / 100 calls, ${perCallMs.toFixed(0)} ms`);
  } finally {
    await sim.stop();
  }
}

async function benchFind(sim: SepmSim, cfg: SepmConfig): Promise<void> {
  // The host in the middle of the name order: a scan reads about half the estate for it.
  const target = sim.state.computers[Math.floor(sim.state.computers.length / 2)]!;
  const client = createSepmClient(cfg);
  const fns = createSepmApi(client, cfg).raw;
  await fns.getDomains(); // login outside the timings
  let t = performance.now();
  const before = client.stats.requests;
  const hit = await fns.getComputers({ computerName: target.computerName });
  const filteredMs = performance.now() - t;
  const filteredPages = client.stats.requests - before;
  const found = (hit.content as { content: SepmComputer[] }).content.some((c) => c.uniqueId === target.uniqueId);
  t = performance.now();
  let pages = 0;
  let scanFound = false;
  for await (const page of client.pages<SepmComputer>('/computers')) {
    pages++;
    if (page.content.some((c) => c.computerName === target.computerName)) {
      scanFound = true;
      break;
    }
  }
  const scanMs = performance.now() - t;
  await client.close();
  line(`## 2. Find one host in ${ESTATE} endpoints (page size ${PAGE_SIZE})`);
  line(`computerName filter: ${filteredPages} page(s), ${filteredMs.toFixed(0)} ms, found=${found}`);
  line(`scan pages until found: ${pages} pages, ${scanMs.toFixed(0)} ms, found=${scanFound}`);
  line(`ratio scan/filter: ${(scanMs / filteredMs).toFixed(0)}x time, ${pages}x pages`);
}

/**
 * Reads every computer page by page; after each page a full GC runs and the live heap is sampled, so the peak is
 * the live set (page in hand + whatever the caller keeps), not garbage waiting for collection.
 */
async function livePeak(client: SepmClient, cfg: SepmConfig, collect: boolean) {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  const kept: SepmComputer[] = [];
  const acc = new StatusAccumulator(Date.now(), cfg.outOfDateAfterSec, false);
  const t = performance.now();
  for await (const page of client.pages<SepmComputer>('/computers')) {
    if (collect) for (const c of page.content) kept.push(c);
    else for (const c of page.content) acc.add(c);
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - base);
  }
  for (const c of kept) acc.add(c);
  return { peak, ms: performance.now() - t, n: acc.summary.total };
}

async function benchMemory(cfg: SepmConfig): Promise<void> {
  const client = createSepmClient(cfg);
  await client.request('GET', '/domains');
  const streamed = await livePeak(client, cfg, false);
  const collected = await livePeak(client, cfg, true);
  await client.close();
  line(`## 3. Peak live heap while reading all ${ESTATE} computers (page size ${PAGE_SIZE}; GC after each page)`);
  line(`streamed pages → summary: +${mb(streamed.peak)} MiB, ${streamed.n} computers, ${streamed.ms.toFixed(0)} ms`);
  line(
    `collect all pages, then summary: +${mb(collected.peak)} MiB, ${collected.n} computers, ${collected.ms.toFixed(0)} ms`,
  );
  line(`ratio collected/streamed: ${(collected.peak / streamed.peak).toFixed(1)}x`);
}

async function main(): Promise<void> {
  line(`# SEPM client benchmark (node ${process.version})`);
  await benchLogins();
  const sim = await startSepmSim({ computers: ESTATE });
  try {
    const cfg = configFor(sim, { pageSize: PAGE_SIZE });
    await benchFind(sim, cfg);
    await benchMemory(cfg);
  } finally {
    await sim.stop();
  }
}

await main();

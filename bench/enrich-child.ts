/**
 * Child processes of bench/enrich.ts: `sim` runs the SEPM simulator (so its memory and CPU are not measured with
 * ours) and `worker` runs one enrichment process (src/enrich/start.ts) against it. Both talk JSON lines on stdout
 * and stop on SIGTERM, printing their counters.
 */
import { configSchema } from '../src/config/schema.ts';
import { startEnrichment } from '../src/enrich/start.ts';
import { createJobRuntime } from '../src/main.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { openEmbeddedStore } from '../src/soar/embedded/store.ts';
import { startSepmSim } from '../sim/sepm/index.ts';

const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Exits 0 once `stop` has finished, 1 (with the reason on stderr) if it failed: a failed stop is a bench error. */
function exitAfter(stop: () => Promise<void>): void {
  stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`enrich-child: stop failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}

async function sim(): Promise<void> {
  const computers = Number(process.env.BENCH_COMPUTERS ?? 300);
  const plant = Number(process.env.BENCH_PLANT ?? 0);
  const hash = process.env.BENCH_HASH ?? '';
  // BENCH_SPREAD=n: one copy of the hash on every n-th computer; BENCH_OFFLINE=n: every n-th computer offline.
  const spread = Number(process.env.BENCH_SPREAD ?? 0);
  const offline = Number(process.env.BENCH_OFFLINE ?? 0);
  const s = await startSepmSim({ computers, commandStepMs: 20 });
  for (const [n, c] of s.state.computers.entries()) {
    c.onlineStatus = offline > 0 && n % offline === offline - 1 ? 0 : 1;
    for (let i = 0; i < plant; i++) s.plantFile(c.uniqueId, { path: `C:\\bench\\dir${i}\\payload.exe`, sha256: hash });
    if (spread > 0 && n % spread === 0)
      s.plantFile(c.uniqueId, { path: `C:\\Users\\u${n}\\payload.exe`, sha256: hash });
  }
  say({
    host: s.host,
    port: s.port,
    protocol: s.protocol,
    caFile: s.caFile,
    credentials: s.credentials,
    names: s.state.computers.map((c) => c.computerName),
  });
  // SIGUSR2: print the counters so far (the scan bench reads them between phases).
  process.on('SIGUSR2', () =>
    say({ logins: s.state.stats.logins, requests: s.state.stats.requests, bytes: s.state.stats.bytes }),
  );
  process.on('SIGTERM', () => {
    say({ logins: s.state.stats.logins, requests: s.state.stats.requests, bytes: s.state.stats.bytes });
    exitAfter(() => s.stop());
  });
}

async function worker(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_CFG ?? '{}') as {
    config: unknown;
    redisUrl: string;
    prefix: string;
    storePath: string;
  };
  const soar = openEmbeddedStore(cfg.storePath);
  const config = configSchema.parse(cfg.config);
  const enr = await startEnrichment({
    config,
    runtime: createJobRuntime(cfg.redisUrl, cfg.prefix),
    soar,
    logger: silentLogger,
    concurrency: 8,
  });
  say({ ready: true });
  process.on('SIGTERM', () => {
    const stats = enr.sepm.client.stats;
    exitAfter(async () => {
      await enr.close();
      await soar.close();
      say({ stats });
    });
  });
}

const mode = process.argv[2];
if (mode === 'sim') await sim();
else if (mode === 'worker') await worker();
else throw new Error(`usage: enrich-child.ts sim|worker (got ${String(mode)})`);

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { waitFor } from '../helpers/enrich-harness.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * Every role observable: a process without the web role answers /healthz, /readyz and /metrics on its ops port,
 * and intake outcomes are counted once in the deployment however many web replicas run (two web processes here,
 * real child processes, each with its own metrics registry).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures/emails');
const TOKEN = 'ops-listener-scrape-token-0123';

type Checks = Record<string, { ok: boolean; detail?: string }>;

/** Sum of every sample of a metric family in Prometheus text (all label sets). */
function total(text: string, name: string): number {
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) n += Number(line.split(' ').pop());
  return n;
}

describe('ops listener on every role', () => {
  let tmp: string;
  let prefix: string;
  let sim: SepmSim;
  const services: RunningService[] = [];
  const children: ChildProcess[] = [];

  const baseConfig = (extra: Record<string, unknown>) =>
    configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      sepm: {
        host: sim.host,
        port: sim.port,
        caBundle: sim.caFile,
        username: sim.credentials.username,
        password: sim.credentials.password,
        domain: sim.credentials.domain,
      },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      mail: { spool: { enabled: false } },
      ops: { port: 0 },
      ...extra,
    });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ops-listener-'));
    prefix = randomPrefix('ops');
    sim = await startSepmSim();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const s of services) await s.stop(5000);
    await sim?.stop();
    await cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an enrich-only process serves /healthz, /readyz (Redis, store, SEPM) and /metrics on its ops port', async () => {
    const svc = await startService({ config: baseConfig({}), roles: ['enrich'], logger: silentLogger });
    services.push(svc);
    expect(svc.webUrl).toBeUndefined();
    expect(svc.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${svc.opsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${svc.opsUrl}/readyz`);
    const body = (await ready.json()) as { status: string; checks: Checks };
    expect(ready.status).toBe(200);
    expect(body.checks).toEqual({ redis: { ok: true }, soar: { ok: true }, sepm: { ok: true } });
    const metrics = await fetch(`${svc.opsUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    // The readiness probe's GET /version went through this process's SEPM client: its latency is scrapable here.
    expect(await metrics.text()).toMatch(
      /sepm_intake_sepm_request_duration_seconds_count\{[^}]*operation="GET \/version"/,
    );
    // Only health and metrics: no dashboard or API on the unauthenticated port.
    expect((await fetch(`${svc.opsUrl}/api/jobs`)).status).toBe(404);
  }, 30_000);

  it('a watcher-only process reports its mailbox on /readyz and its mail counters on /metrics', async () => {
    const spool = join(tmp, 'watch-inbox');
    mkdirSync(spool, { recursive: true });
    // Its own prefix: the mail it queues must not reach the worker of the next test.
    const config = baseConfig({
      redis: { url: TEST_REDIS_URL, prefix: `${prefix}-w` },
      mail: { spool: { dir: spool, pollMs: 100 } },
    });
    const svc = await startService({ config, roles: ['watcher'], logger: silentLogger });
    services.push(svc);
    const ready = (await (await fetch(`${svc.opsUrl}/readyz`)).json()) as { checks: Checks };
    expect(ready.checks.redis).toEqual({ ok: true });
    expect(ready.checks['mailbox:spool']?.ok).toBe(true);
    expect(ready.checks.soar).toBeUndefined();
    drop(spool, 'canonical-single-risk');
    await waitFor(async () => {
      const text = await (await fetch(`${svc.opsUrl}/metrics`)).text();
      return total(text, 'sepm_intake_mails_accepted_total') >= 1;
    }, 15_000);
    await svc.stop(5000);
    services.splice(services.indexOf(svc), 1);
  }, 30_000);

  it('two web processes on one Redis: the intake outcome is counted once in the deployment, not per replica', async () => {
    const spool = join(tmp, 'inbox');
    mkdirSync(spool, { recursive: true });
    const webUrls = await Promise.all([startWebChild('a'), startWebChild('b')]);
    const config = baseConfig({ mail: { spool: { dir: spool, pollMs: 100 } } });
    const worker = await startService({ config, roles: ['watcher', 'worker'], logger: silentLogger });
    services.push(worker);
    drop(spool, 'canonical-single-risk');
    const targets = [...webUrls.map((u) => ({ url: u, auth: true })), { url: worker.opsUrl!, auth: false }];
    const scrapeAll = () =>
      Promise.all(
        targets.map(async (t) => {
          const res = await fetch(`${t.url}/metrics`, t.auth ? { headers: { authorization: `Bearer ${TOKEN}` } } : {});
          expect(res.status).toBe(200);
          return total(await res.text(), 'sepm_intake_incidents_total');
        }),
      );
    await waitFor(async () => (await scrapeAll()).reduce((a, b) => a + b, 0) >= 1, 20_000);
    // Give the web replicas' event streams time to deliver the completion, had they been counting it (ms).
    await new Promise((r) => setTimeout(r, 1500));
    const counts = await scrapeAll();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
  }, 60_000);

  function drop(dir: string, fixture: string): void {
    copyFileSync(join(FIXTURES, `${fixture}.eml`), join(dir, `${fixture}.part`));
    renameSync(join(dir, `${fixture}.part`), join(dir, `${fixture}.eml`));
  }

  /** A real web-role process (its own registry); resolves with its URL once it listens. */
  async function startWebChild(name: string): Promise<string> {
    const config = baseConfig({ http: { port: 0, tokens: [{ name: 'prometheus', token: TOKEN, role: 'readonly' }] } });
    const script = join(tmp, `web-${name}.mts`);
    const src = (p: string) => JSON.stringify(join(ROOT, 'src', p));
    writeFileSync(
      script,
      `import { startService } from ${src('main.ts')};
import { silentLogger } from ${src('shared/logger.ts')};
const svc = await startService({ config: ${JSON.stringify(config)}, roles: ['web'], logger: silentLogger });
process.stdout.write('READY ' + svc.webUrl + '\\n');
process.on('SIGTERM', () => void svc.stop(2000).then(() => process.exit(0)));
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise((resolveUrl, reject) => {
      let out = '';
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) resolveUrl(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`web child ${name} exited ${code}`)));
    });
  }
});

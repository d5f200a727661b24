import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { buildHttpServer } from '../../src/http/server.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { waitFor } from '../helpers/enrich-harness.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix, testRuntime } from '../helpers/redis.ts';

/** /metrics is valid Prometheus text and moves when mail goes through the real ingest path (spool → intake → SOAR). */

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/emails');
const TOKEN = 'prometheus-scrape-token-0123';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*\\}`;
// Values as Prometheus reads them (Go ParseFloat): NaN and Inf in any case (prom-client prints "Nan").
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]?[iI][nN][fF]|[nN][aA][nN])';
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Strict text-format check (0.0.4): every line is HELP, TYPE or a sample of a declared family. */
function parseExposition(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = TYPE.exec(line);
    if (t) {
      types.set(t[1]!, t[2]!);
      continue;
    }
    if (HELP.test(line)) continue;
    const s = SAMPLE.exec(line);
    if (!s) throw new Error(`not Prometheus text: ${line}`);
    const family = s[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(s[1]!) && types.get(family) !== 'histogram' && types.get(family) !== 'summary') {
      throw new Error(`sample without TYPE: ${line}`);
    }
    samples.set(`${s[1]}${s[2] ?? ''}`, Number(s[3]));
  }
  return samples;
}

function sum(samples: Map<string, number>, prefix: string): number {
  let n = 0;
  for (const [k, v] of samples) if (k.startsWith(prefix)) n += v;
  return n;
}

describe('/metrics', () => {
  let tmp: string;
  let prefix: string;
  let service: RunningService;
  let app: FastifyInstance;
  let spool: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'http-metrics-'));
    prefix = randomPrefix('metrics');
    spool = join(tmp, 'inbox');
    mkdirSync(spool, { recursive: true });
    const config = configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      // The envelope filter gates on the sender (subject patterns are off by default): the newsletter is refused.
      mail: { spool: { dir: spool, pollMs: 100 }, filter: { allowedSenders: ['sepm@sepmdomain.com'] } },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      http: { tokens: [{ name: 'prometheus', token: TOKEN, role: 'readonly' }] },
    });
    service = await startService({ config, roles: ['watcher', 'worker'], logger: silentLogger });
    app = await buildHttpServer({
      config,
      runtime: testRuntime(prefix),
      soar: service.soar!,
      logger: silentLogger,
      readiness: async () => ({}),
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await service?.stop(5000);
    await cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  });

  const scrape = async () => {
    const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(res.body);
  };

  it('parses as Prometheus text and moves when mail is ingested', async () => {
    const before = await scrape();
    expect(sum(before, 'sepm_intake_incidents_total')).toBe(0);
    for (const f of ['canonical-single-risk', 'not-sepm-newsletter']) {
      copyFileSync(join(FIXTURES, `${f}.eml`), join(spool, `${f}.part`));
      renameSync(join(spool, `${f}.part`), join(spool, `${f}.eml`));
    }
    // Wait for both mails: the spool source may pick the second file up after the first one's incident exists.
    const after = await waitFor(async () => {
      const m = await scrape();
      const done = m.get('sepm_intake_jobs{queue="intake",state="completed",service="sepm-intake"}') ?? 0;
      const seen = m.get('sepm_intake_mails_seen_total{mailbox="spool",service="sepm-intake"}') ?? 0;
      return done >= 1 && seen >= 2 && sum(m, 'sepm_intake_incidents_total') >= 1 ? m : undefined;
    }, 20_000);
    expect(after.get('sepm_intake_incidents_total{outcome="created",service="sepm-intake"}')).toBe(1);
    const ofSpool = (name: string) => after.get(`sepm_intake_${name}{mailbox="spool",service="sepm-intake"}`);
    expect(ofSpool('mails_seen_total')).toBe(2);
    expect(ofSpool('mails_accepted_total')).toBe(1);
    expect(after.get('sepm_intake_mails_rejected_total{reason="sender_not_allowed",service="sepm-intake"}')).toBe(1);
    expect(ofSpool('seconds_since_last_mail')).toBeGreaterThanOrEqual(0);
    expect(sum(after, 'sepm_intake_jobs{queue="incident-ready"')).toBeGreaterThanOrEqual(1);
    // Every queue shows up, with every state, even when empty.
    for (const q of ['intake', 'incident-ready', 'sep', 'tracking']) {
      expect(after.has(`sepm_intake_jobs{queue="${q}",state="failed",service="sepm-intake"}`)).toBe(true);
    }
    expect(after.get('process_cpu_user_seconds_total{service="sepm-intake"}')).toBeGreaterThan(0);
  }, 40_000);

  it('the strict parser rejects malformed exposition text', () => {
    expect(() => parseExposition('# TYPE a counter\na{x="1"} 1\n')).not.toThrow();
    expect(() => parseExposition('# TYPE a gauge\na Nan\na +Inf\na 1.5e-3\n')).not.toThrow();
    expect(() => parseExposition('a 1\n')).toThrow(/without TYPE/);
    expect(() => parseExposition('# TYPE a counter\na{x=1} 1\n')).toThrow(/not Prometheus/);
    expect(() => parseExposition('# TYPE a counter\na one\n')).toThrow(/not Prometheus/);
  });
});

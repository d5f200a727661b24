import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSepmSimulator } from '../../src/cli/demo.ts';
import { configSchema } from '../../src/config/schema.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/** The demo asked for by name: enrich + web in simulator mode are ready, and say "simulator" where it shows. */

const TOKEN = 'readyz-demo-token-0123456789';

describe('sepm.mode simulator (the demo)', () => {
  let tmp: string;
  let prefix: string;
  let service: RunningService;
  let log = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'start-demo-'));
    prefix = randomPrefix('demo');
    const destination = new PassThrough();
    destination.on('data', (b: Buffer) => (log += b.toString()));
    const config = configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      sepm: { mode: 'simulator' },
      mail: { spool: { enabled: false } },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      http: { port: 0, tokens: [{ name: 'probe', token: TOKEN, role: 'readonly' }] },
    });
    service = await startService({
      config,
      roles: ['enrich', 'web'],
      logger: createLogger({ level: 'info', destination }),
      sepmSimulator: startSepmSimulator,
    });
  }, 60_000);
  afterAll(async () => {
    await service?.stop(5000);
    await cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('/readyz is ready and reports the SEPM check as the simulator', async () => {
    const res = await fetch(`${service.webUrl}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.sepm).toEqual({ ok: true, detail: 'simulator' });
  });

  it('says loudly in the log that it is a demo', () => {
    const lines = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; sepmMode?: string });
    const demo = lines.find((l) => l.msg.startsWith('DEMO MODE'));
    expect(demo?.level).toBe(40);
    expect(demo?.sepmMode).toBe('simulator');
    expect(lines.find((l) => l.msg === 'sepm-intake started')?.sepmMode).toBe('simulator');
  });
});

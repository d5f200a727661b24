import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { checkRedisSettings, startService } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import { waitUntil } from '../helpers/dovecot.ts';
import { randomPrefix } from '../helpers/redis.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';

/** Issue 14, Build 2 and 4: Redis settings are checked at start; an ACL user without INFO/CONFIG still works. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let redis: PrivateRedis;
let admin: Redis;
let tmp: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  admin = new Redis(redis.url);
  tmp = mkdtempSync(join(tmpdir(), 'redis-settings-'));
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function capture(lines: string[]): ReturnType<typeof createLogger> {
  return createLogger({
    level: 'info',
    destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
  });
}

describe('Redis settings at start', () => {
  it('warns when Redis keeps nothing on disk, and when it may evict keys', async () => {
    const lines: string[] = [];
    const none = await checkRedisSettings(redis.url, capture(lines));
    expect(none).toMatchObject({ persistence: 'none', evictionPolicy: 'noeviction', infoAllowed: true });
    expect(lines.some((l) => l.includes('REDIS: Redis keeps nothing on disk'))).toBe(true);
    await admin.config('SET', 'appendonly', 'yes');
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const lru = await checkRedisSettings(redis.url, capture([]));
      expect(lru.persistence).toBe('aof');
      expect(lru.warnings).toEqual([expect.stringContaining('maxmemory-policy is allkeys-lru')]);
    } finally {
      await admin.config('SET', 'appendonly', 'no');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('works for an ACL user "+@all -@dangerous": the check degrades to a warning and mail still flows', async () => {
    await admin.call('ACL', 'SETUSER', 'intake', 'on', '>s3cret-pw', '~*', '&*', '+@all', '-@dangerous');
    const url = `redis://intake:s3cret-pw@127.0.0.1:${redis.port}`;
    const lines: string[] = [];
    const logger = capture(lines);
    const report = await checkRedisSettings(url, logger);
    expect(report).toMatchObject({ persistence: 'unknown', infoAllowed: false });
    expect(report.warnings).toEqual([expect.stringContaining('neither CONFIG GET nor INFO')]);

    const prefix = randomPrefix('acl');
    const cfg = configSchema.parse({
      redis: { url, prefix },
      mail: { spool: { dir: join(tmp, 'spool'), pollMs: 100 } },
      soar: { embedded: { path: join(tmp, 'acl.db') } },
    });
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger });
    const intake = new Queue(QueueNames.intake, { connection: { url: redis.url }, prefix });
    try {
      copyFileSync(join(ROOT, 'fixtures/emails/canonical-single-risk.eml'), join(service.spoolDir!, 'a.eml'));
      await waitUntil(async () => (await intake.getJobCounts('completed')).completed === 1, 20_000, 'mail ingested');
      expect((await service.soar!.listIncidents({ limit: 10 })).length).toBe(1);
      expect(lines.join('')).not.toContain('NOPERM');
      expect(lines.join('')).not.toContain('password');
    } finally {
      await service.stop(5000);
      await intake.close();
    }
  });
});

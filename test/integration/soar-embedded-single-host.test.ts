import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { ErrorCodes } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { openEmbeddedStore } from '../../src/soar/embedded/store.ts';
import { cleanupPrefix, randomPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

/** The embedded store is one host's: a second host (its own store file) on the same Redis refuses to start. */
const prefix = randomPrefix('single-host');
const dirs: string[] = [];
const running: RunningService[] = [];
afterAll(async () => {
  for (const s of running) await s.stop(5000);
  await cleanupPrefix(prefix);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function hostConfig(path: string) {
  return configSchema.parse({ redis: { url: TEST_REDIS_URL, prefix }, soar: { embedded: { path } } });
}
function hostDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'single-host-'));
  dirs.push(d);
  return d;
}

describe('embedded store on more than one host', () => {
  it('keeps a random store id in the file, the same across reopen', async () => {
    const path = join(hostDir(), 'incidents.db');
    const a = openEmbeddedStore(path);
    const id = a.storeId;
    await a.close();
    const b = openEmbeddedStore(path);
    expect(b.storeId).toBe(id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await b.close();
    const other = openEmbeddedStore(join(hostDir(), 'incidents.db'));
    expect(other.storeId).not.toBe(id);
    await other.close();
  });

  it('host A starts; host B (another file) is refused, pointing to postgres; A’s second process starts', async () => {
    const pathA = join(hostDir(), 'incidents.db');
    running.push(await startService({ config: hostConfig(pathA), roles: ['worker'], logger: silentLogger }));
    const refused = startService({
      config: hostConfig(join(hostDir(), 'incidents.db')),
      roles: ['worker'],
      logger: silentLogger,
    });
    await expect(refused).rejects.toMatchObject({
      code: ErrorCodes.STORE_SINGLE_HOST,
      message: expect.stringContaining('soar.kind: postgres'),
    });
    // Several processes on one host share the file, hence the id.
    running.push(await startService({ config: hostConfig(pathA), roles: ['worker'], logger: silentLogger }));
  });
});

import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { startService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';

/** No Redis here: the port is closed, so a service that got past its configuration checks fails on Redis instead. */
const NO_REDIS = { url: 'redis://127.0.0.1:1', prefix: 'unit-main' };
const ibm = { kind: 'ibm', ibm: { url: 'https://soar.example', org: 'SOC', apiKeyId: 'k', apiKeySecret: 's' } };

describe('startService and sepm.mode', () => {
  it('refuses the enrich role in live mode without sepm.host (no simulator behind a missing key)', async () => {
    const config = configSchema.parse({ redis: NO_REDIS, soar: ibm });
    await expect(startService({ config, roles: ['enrich'], logger: silentLogger })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('sepm.host: required when sepm.mode is live'),
    });
  });

  it('refuses the web role too (its /readyz probes SEPM), and role all', async () => {
    const config = configSchema.parse({ redis: NO_REDIS });
    for (const roles of [['web'], ['all']] as const) {
      await expect(startService({ config, roles: [...roles], logger: silentLogger })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('sepm.host'),
      });
    }
  });

  it('refuses the simulator with soar.kind ibm in every role', async () => {
    const config = configSchema.parse({ redis: NO_REDIS, sepm: { mode: 'simulator' }, soar: ibm });
    await expect(startService({ config, roles: ['worker'], logger: silentLogger })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('sepm.mode'),
    });
  });

  it('lets roles that never talk to SEPM start without sepm.host (here: up to the Redis check)', async () => {
    const config = configSchema.parse({ redis: NO_REDIS });
    await expect(startService({ config, roles: ['watcher', 'worker'], logger: silentLogger })).rejects.toMatchObject({
      code: 'REDIS_UNREACHABLE',
    });
  });
});

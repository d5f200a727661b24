import { describe, expect, it } from 'vitest';
import { assessRedisSettings } from '../../../src/shared/redis-settings.ts';

describe('assessRedisSettings', () => {
  it('warns loudly when Redis keeps nothing on disk', () => {
    const r = assessRedisSettings({ appendonly: 'no', save: '', 'maxmemory-policy': 'noeviction' }, {});
    expect(r.persistence).toBe('none');
    expect(r.warnings).toEqual([expect.stringContaining('keeps nothing on disk')]);
  });

  it('is quiet for AOF + noeviction, and warns about an evicting policy', () => {
    expect(
      assessRedisSettings({ appendonly: 'yes', save: '3600 1', 'maxmemory-policy': 'noeviction' }, {}).warnings,
    ).toEqual([]);
    const lru = assessRedisSettings({ appendonly: 'yes', save: '', 'maxmemory-policy': 'allkeys-lru' }, {});
    expect(lru.persistence).toBe('aof');
    expect(lru.warnings).toEqual([expect.stringContaining('maxmemory-policy is allkeys-lru')]);
  });

  it('falls back to INFO where CONFIG is denied, and degrades to one warning when both are', () => {
    const info = assessRedisSettings(undefined, { aof_enabled: '1', maxmemory_policy: 'volatile-lru' });
    expect(info).toMatchObject({ persistence: 'aof', evictionPolicy: 'volatile-lru', infoAllowed: true });
    const none = assessRedisSettings(undefined, undefined);
    expect(none).toMatchObject({ persistence: 'unknown', infoAllowed: false });
    expect(none.warnings).toEqual([expect.stringContaining('neither CONFIG GET nor INFO')]);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../../src/shared/errors.ts';
import { claimEmbeddedStore, storeIdKey, type ClaimRedis } from '../../../../src/soar/embedded/claim.ts';

/** A Map standing in for Redis SET NX / GET. */
function fakeRedis(): ClaimRedis & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    set: async (key, value) => {
      if (data.has(key)) return null;
      data.set(key, value);
      return 'OK';
    },
    get: async (key) => data.get(key) ?? null,
  };
}

describe('claimEmbeddedStore', () => {
  it('registers the first store, accepts the same id again, refuses another naming postgres and the key', async () => {
    const redis = fakeRedis();
    await claimEmbeddedStore(redis, 'p', 'id-a', '/a/incidents.db');
    expect(redis.data.get(storeIdKey('p'))).toBe('id-a');
    await claimEmbeddedStore(redis, 'p', 'id-a', '/a/incidents.db');
    await expect(claimEmbeddedStore(redis, 'p', 'id-b', '/b/incidents.db')).rejects.toMatchObject({
      code: ErrorCodes.STORE_SINGLE_HOST,
      message: expect.stringMatching(/soar\.kind: postgres[\s\S]*p:soar:embedded-store-id/),
    });
    // Another prefix is another deployment.
    await claimEmbeddedStore(redis, 'q', 'id-b', '/b/incidents.db');
  });
});

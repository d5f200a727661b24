import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { enqueueUntrusted, type EnqueueOptions } from '../../../src/jobs/catalog.ts';
import { ErrorCodes, isAppError } from '../../../src/shared/errors.ts';

/**
 * enqueueUntrusted without services: a queue that records its adds and a Redis stand-in with the four commands the
 * dedup windows and request keys use (SET … PX … NX, GET, DEL). The real-Redis behaviour is covered by
 * test/integration/requests-mean-what-they-say.test.ts.
 */

interface Added {
  name: string;
  data: Record<string, unknown>;
  opts: { jobId?: string };
}

function fakes(failAdds = 0) {
  const added: Added[] = [];
  const store = new Map<string, string>();
  let failures = failAdds;
  const queue = {
    opts: { prefix: 'p' },
    add: async (name: string, data: Record<string, unknown>, opts: { jobId?: string }) => {
      if (failures-- > 0) throw new Error('redis down');
      added.push({ name, data, opts });
      return { id: opts.jobId };
    },
  } as unknown as Queue;
  const redis = {
    set: async (key: string, value: string, _px: string, _ms: number, nx?: string) => {
      if (nx === 'NX' && store.has(key)) return null;
      store.set(key, value);
      return 'OK';
    },
    get: async (key: string) => store.get(key) ?? null,
    del: async (key: string) => Number(store.delete(key)),
  } as unknown as Redis;
  return { added, store, queue, redis };
}

const payload = { incidentId: 1, artifact: { type: 'System Name', value: 'WS-0001' } };

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('enqueueUntrusted', () => {
  it('refuses a bad payload with every problem listed and adds nothing', async () => {
    const f = fakes();
    const opts: EnqueueOptions = { requestedBy: 'analyst', redis: f.redis };
    const err = await failure(enqueueUntrusted(f.queue, 'endpoint-details', { incidentId: 'x' }, opts));
    expect(err.code).toBe(ErrorCodes.JOB_PAYLOAD_INVALID);
    expect(err.message).toContain('incidentId');
    expect((await failure(enqueueUntrusted(f.queue, 'no-such-job', {}, opts))).code).toBe(ErrorCodes.JOB_UNKNOWN);
    expect(f.added).toHaveLength(0);
  });

  it('explicit requests always get a new job; automatic ones with one meaning share the window', async () => {
    const f = fakes();
    const explicit: EnqueueOptions = { requestedBy: 'analyst', redis: f.redis };
    const a = await enqueueUntrusted(f.queue, 'endpoint-details', payload, explicit);
    const b = await enqueueUntrusted(f.queue, 'endpoint-details', payload, explicit);
    expect(a.jobId).not.toBe(b.jobId);
    const auto: EnqueueOptions = { requestedBy: 'auto', redis: f.redis, automationKey: 'k'.repeat(64) };
    const c = await enqueueUntrusted(f.queue, 'endpoint-details', payload, auto);
    const d = await enqueueUntrusted(f.queue, 'endpoint-details', payload, auto);
    expect(d).toEqual({ jobId: c.jobId, existing: 'deduplicated' });
    expect(f.added).toHaveLength(3);
    // The automatic job carries a seal for its own id; explicit ones carry none.
    expect(f.added[2]!.data.automationSeal).toBeTypeOf('string');
    expect(f.added[0]!.data.automationSeal).toBeUndefined();
    const off = await enqueueUntrusted(f.queue, 'endpoint-details', payload, { ...auto, dedupWindowSec: 0 });
    expect(off.existing).toBeUndefined();
  });

  it('a request key answers a repeat with the first job and refuses it for another request', async () => {
    const f = fakes();
    const opts: EnqueueOptions = { requestedBy: 'api', redis: f.redis, requestKey: { scope: 'u1', key: 'k-1' } };
    const first = await enqueueUntrusted(f.queue, 'endpoint-details', payload, opts);
    expect(await enqueueUntrusted(f.queue, 'endpoint-details', payload, opts)).toEqual({
      jobId: first.jobId,
      existing: 'repeated',
    });
    const other = { ...payload, artifact: { type: 'System Name', value: 'WS-0002' } };
    const err = await failure(enqueueUntrusted(f.queue, 'endpoint-details', other, opts));
    expect(err.code).toBe(ErrorCodes.REQUEST_KEY_REUSED);
    expect(f.added).toHaveLength(1);
  });

  it('gives the window back when the add fails, so the retry is not answered with nothing', async () => {
    const f = fakes(1);
    const auto: EnqueueOptions = { requestedBy: 'auto', redis: f.redis, automationKey: 'k'.repeat(64) };
    await expect(enqueueUntrusted(f.queue, 'endpoint-details', payload, auto)).rejects.toThrow('redis down');
    expect([...f.store.keys()].filter((k) => k.includes(':dedup:'))).toHaveLength(0);
    const retry = await enqueueUntrusted(f.queue, 'endpoint-details', payload, auto);
    expect(retry.existing).toBeUndefined();
    expect(f.added).toHaveLength(1);
  });

  it('refuses an automatic claim without the automation key (it would run unsealed)', async () => {
    const f = fakes();
    await expect(
      enqueueUntrusted(f.queue, 'endpoint-details', payload, { requestedBy: 'auto', redis: f.redis }),
    ).rejects.toThrow(/automationKey/);
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sepmSchema } from '../../src/config/schema.ts';
import { createSepmClient, type SepmClient } from '../../src/sepm/client/client.ts';
import { GlobalLimiter } from '../../src/sepm/client/global-limiter.ts';
import { SharedTokens } from '../../src/sepm/client/shared-token.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * The deployment's SEPM budget: two SEPM clients standing for two enrich processes (separate Redis connections,
 * one prefix) never have more than sepm.maxConcurrency requests in flight at the SEPM together, and share one login.
 */

describe('global SEPM budget', () => {
  let sim: SepmSim;
  let prefix: string;
  const connections: Redis[] = [];
  const clients: SepmClient[] = [];

  const connect = () => {
    const r = new Redis(TEST_REDIS_URL);
    connections.push(r);
    return r;
  };
  const makeClient = () => {
    const cfg = sepmSchema.parse({
      host: sim.host,
      port: sim.port,
      caBundle: sim.caFile,
      username: sim.credentials.username,
      password: sim.credentials.password,
      domain: sim.credentials.domain,
      maxConcurrency: 4,
    });
    const client = createSepmClient(cfg, { shared: { redis: connect(), prefix } });
    clients.push(client);
    return client;
  };
  /** n concurrent authenticated GETs per client, all at once. */
  const burst = (cs: SepmClient[], n: number) =>
    Promise.all(
      cs.flatMap((c) => Array.from({ length: n }, () => c.request('GET', '/sessions/currentuser', { retry: false }))),
    );

  beforeAll(async () => {
    sim = await startSepmSim();
    prefix = randomPrefix('sepm-budget');
    // Every answer takes a while, so requests pile up and the budget is what limits them (ms).
    sim.faults.add({ route: 'GET /sessions/currentuser', kind: 'latency', delayMs: 40, times: Infinity });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim?.stop();
    await cleanupPrefix(prefix);
    for (const r of connections) r.disconnect();
  });

  it('two clients with maxConcurrency 4: at most 4 in flight at the SEPM, one login', async () => {
    const [a, b] = [makeClient(), makeClient()];
    await burst([a!, b!], 20);
    expect(sim.state.stats.maxInFlight).toBeLessThanOrEqual(4);
    // The budget was used in full, not avoided by running one at a time.
    expect(sim.state.stats.maxInFlight).toBeGreaterThanOrEqual(3);
    expect(sim.state.stats.requests['GET /sessions/currentuser']).toBe(40);
    expect(sim.state.stats.logins).toBe(1);
    expect(a!.stats.logins + b!.stats.logins).toBe(1);

    // SEPM forgets every session (restart): one of the two logs in again, not both.
    sim.expireAllTokens();
    await burst([a!, b!], 10);
    expect(sim.state.stats.logins).toBe(2);
    expect(sim.state.stats.maxInFlight).toBeLessThanOrEqual(4);
  }, 30_000);

  it('keeps the shared token encrypted in Redis: unreadable without the password', async () => {
    const redis = connect();
    const p = randomPrefix('sepm-token');
    const account = { host: 'sepm.test', port: 8446, domain: '', username: 'svc' };
    let logins = 0;
    const tokens = (password: string) =>
      new SharedTokens({
        redis,
        prefix: p,
        account: { ...account, password },
        login: async () => ({ token: `tok-SECRET-${++logins}`, tokenExpiration: 3600 }),
        refreshMarginSec: 60,
        authFailureBackoffMs: 1000,
        loginTimeoutMs: 2000,
      });
    try {
      expect(await tokens('pw-1').get()).toBe('tok-SECRET-1');
      expect(await tokens('pw-1').get()).toBe('tok-SECRET-1');
      const keys = await redis.keys(`${p}:*`);
      expect(keys).toHaveLength(1);
      const stored = await redis.get(keys[0]!);
      expect(stored).not.toContain('tok-SECRET');
      expect(Buffer.from(stored!, 'base64').toString('latin1')).not.toContain('tok-SECRET');
      // Another password cannot use it: it logs in itself.
      expect(await tokens('pw-2').get()).toBe('tok-SECRET-2');
    } finally {
      await cleanupPrefix(p);
    }
  });

  it('a process that dies holding every slot frees them when its leases expire', async () => {
    const p = randomPrefix('sepm-lease');
    const dead = new GlobalLimiter({ redis: connect(), prefix: p, max: 2, leaseMs: 300 });
    const alive = new GlobalLimiter({ redis: connect(), prefix: p, max: 2, leaseMs: 300 });
    try {
      let started = 0;
      // Never settle: the "dead" process holds both slots until the lease runs out.
      for (let i = 0; i < 2; i++) void dead.run(() => new Promise(() => (started += 1)));
      while (started < 2) await new Promise((r) => setTimeout(r, 5));
      let ran = false;
      const waiting = alive.run(async () => (ran = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(ran).toBe(false);
      await waiting;
      expect(ran).toBe(true);
    } finally {
      await cleanupPrefix(p);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sepmSchema, type SepmConfig } from '../../src/config/schema.ts';
import { createSepmClient, type SepmClient } from '../../src/sepm/client/client.ts';
import { createSepmApi } from '../../src/sepm/functions/api.ts';
import type { EndpointStatusSummary } from '../../src/sepm/functions/types.ts';
import { ErrorCodes } from '../../src/shared/errors.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';

/** Token expiry mid-run, 5xx retries, bad credentials, TLS verification and a 20,000-endpoint paging run. */

let sim: SepmSim;
let cfg: SepmConfig;
const clients: SepmClient[] = [];

function newClient(overrides: Partial<SepmConfig> = {}) {
  const c = createSepmClient({ ...cfg, ...overrides }, { retry: { baseMs: 5, capMs: 20 } });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sim = await startSepmSim({ computers: 20_000, commandStepMs: 20 });
  cfg = sepmSchema.parse({ host: sim.host, port: sim.port, caBundle: sim.caFile, ...sim.credentials });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
});

describe('SEPM client against the simulator', () => {
  it('reads all 20,000 computers page by page (streamed) into the status summary', async () => {
    const client = newClient({ pageSize: 1000 });
    const fns = createSepmApi(client, { ...cfg, pageSize: 1000 }).raw;
    const before = sim.state.stats.requests['GET /computers'] ?? 0;
    const summary = (await fns.getComputers({ status: true })).content as EndpointStatusSummary;
    expect(summary.total).toBe(20_000);
    expect(summary.offline).toBe(sim.state.computers.filter((c) => c.onlineStatus === 0).length);
    expect((sim.state.stats.requests['GET /computers'] ?? 0) - before).toBe(20);
    expect(client.stats.logins).toBe(1);
  });

  it('survives token expiry mid-run with one re-login per expiry', async () => {
    const client = newClient();
    const fns = createSepmApi(client, cfg).raw;
    const loginsBefore = sim.state.stats.logins;
    await fns.getDomains();
    sim.expireAllTokens();
    await fns.getGroups();
    await fns.getDomains();
    sim.faults.add({ route: 'GET /computers', kind: 'expire-token' });
    await fns.getComputers({ pageSize: 5 });
    expect(sim.state.stats.logins - loginsBefore).toBe(3);
    expect(client.stats.logins).toBe(3);
  });

  it('retries a GET once through a 5xx or a connection reset, but not a command POST', async () => {
    const client = newClient();
    const fns = createSepmApi(client, cfg).raw;
    sim.faults.add({ route: 'GET /domains', kind: 'status', status: 503, times: 1 });
    await expect(fns.getDomains()).resolves.toMatchObject({ success: true });
    sim.faults.add({ route: 'GET /groups', kind: 'reset', times: 1 });
    await expect(fns.getGroups()).resolves.toMatchObject({ success: true });
    expect(client.stats.retries).toBe(2);
    // A GET that keeps failing costs exactly 2 requests (READ_RETRY.tries), then fails to BullMQ.
    const domainsBefore = sim.state.stats.requests['GET /domains'] ?? 0;
    sim.faults.add({ route: 'GET /domains', kind: 'status', status: 503, times: 5 });
    await expect(fns.getDomains()).rejects.toMatchObject({ code: ErrorCodes.SEPM_SERVER_ERROR, retryable: true });
    expect((sim.state.stats.requests['GET /domains'] ?? 0) - domainsBefore).toBe(2);
    sim.faults.clear();
    const before = sim.state.stats.requests['POST /command-queue/quarantine'] ?? 0;
    sim.faults.add({ route: 'POST /command-queue/quarantine', kind: 'status', status: 500 });
    const uid = sim.state.computers[0]!.uniqueId;
    await expect(fns.quarantineEndpoints({ computerIds: uid })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_SERVER_ERROR,
      retryable: true,
    });
    expect((sim.state.stats.requests['POST /command-queue/quarantine'] ?? 0) - before).toBe(1);
    sim.faults.clear();
  });

  it('fails fast and clearly on a wrong password, and does not hammer the login', async () => {
    const client = newClient({ password: 'wrong"password\\' });
    const fns = createSepmApi(client, cfg).raw;
    const before = sim.state.stats.logins;
    const started = Date.now();
    const err = await fns.getDomains().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SEPM_AUTH_FAILED, retryable: false });
    await expect(fns.getGroups()).rejects.toMatchObject({ code: ErrorCodes.SEPM_AUTH_FAILED });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sim.state.stats.logins - before).toBeLessThanOrEqual(1);
  });

  it('logs in with a password full of special characters', async () => {
    expect(cfg.password).toMatch(/["'<>&%#]/);
    await expect(createSepmApi(newClient(), cfg).raw.getDomains()).resolves.toMatchObject({ success: true });
  });

  it('verifies the TLS certificate: without the CA bundle the call fails with SEPM_TLS', async () => {
    const { caBundle: _ca, ...noCa } = cfg;
    const client = newClient({ ...noCa, caBundle: undefined });
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({ code: ErrorCodes.SEPM_TLS });
  });

  it('times out on injected latency', async () => {
    const client = newClient({ requestTimeoutMs: 200 });
    await client.request('GET', '/domains');
    sim.faults.add({ route: 'GET /groups', kind: 'latency', delayMs: 1000, times: Infinity });
    await expect(client.request('GET', '/groups', { retry: false })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_TIMEOUT,
    });
    sim.faults.clear();
  });
});

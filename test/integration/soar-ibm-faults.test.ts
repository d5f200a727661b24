import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSoarSim, type SoarSim, type SoarSimOptions } from '../../sim/soar/index.ts';
import type { SoarConfig } from '../../src/config/schema.ts';
import { ArtifactTypes } from '../../src/mail/types.ts';
import { AppError, ErrorCodes, isAppError } from '../../src/shared/errors.ts';
import { createIbmSoarClient } from '../../src/soar/ibm/soar.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { sampleIncident } from '../helpers/soar-contract.ts';

/** The IBM adapter under injected faults, against the simulator over HTTPS with verification on. */
const logger = pino({ level: 'silent' });
const WINDOW = 3600_000;
const FAST = { retry: { baseMs: 5, capMs: 20 } };

type IbmCfg = NonNullable<SoarConfig['ibm']>;

function cfgFor(sim: SoarSim, extra: Partial<IbmCfg> = {}): IbmCfg {
  return {
    url: sim.url,
    org: sim.org.name,
    apiKeyId: sim.apiKeyId,
    apiKeySecret: sim.apiKeySecret,
    dedupField: 'sepm_alert_key',
    timeoutMs: 5000,
    caBundle: sim.caFile ?? undefined,
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** Requests the sim saw since `from` (index into its log) for one method and path shape. */
function calls(sim: SoarSim, from: number, method: string, path: RegExp): number[] {
  return sim.state.stats.log
    .slice(from)
    .filter((l) => l.method === method && path.test(l.path))
    .map((l) => l.status);
}

const INCIDENT = /^\/rest\/orgs\/\d+\/incidents\/\d+$/;
const INCIDENTS = /^\/rest\/orgs\/\d+\/incidents$/;

describe('IBM SOAR adapter under faults', () => {
  let sim: SoarSim;
  let client: SoarClient;

  beforeAll(async () => {
    sim = await startSoarSim({ users: [{ email: 'analyst@example.test', password: 'pw-1' }] });
    client = await createIbmSoarClient(cfgFor(sim), logger, FAST);
  });
  afterAll(async () => {
    await client.close();
    await sim.stop();
  });
  beforeEach(() => sim.faults.clear());

  it('retries a read once after a 5xx answer and then succeeds', async () => {
    const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
    const mark = sim.state.stats.log.length;
    sim.faults.add({ route: 'GET /rest/orgs/:org/incidents/:inc', kind: 'status', status: 503, times: 1 });
    const got = await client.getIncident(incident.id);
    expect(got.id).toBe(incident.id);
    expect(calls(sim, mark, 'GET', INCIDENT)).toEqual([503, 200]);
  });

  it('gives up after 2 requests (READ_RETRY) on persistent 5xx: BullMQ retries the job', async () => {
    const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
    const mark = sim.state.stats.log.length;
    sim.faults.add({ route: 'GET /rest/orgs/*/incidents/*', kind: 'status', status: 502, times: 100 });
    const err = await failure(client.getIncident(incident.id));
    expect(err.code).toBe(ErrorCodes.SOAR_SERVER_ERROR);
    expect(err.status).toBe(502);
    expect(calls(sim, mark, 'GET', INCIDENT)).toEqual([502, 502]);
  });

  it('a 5xx on create is not re-sent in-process: one POST, a look-up, then the job retry creates exactly one', async () => {
    const input = sampleIncident();
    const mark = sim.state.stats.log.length;
    sim.faults.add({ route: 'POST /rest/orgs/*/incidents', kind: 'status', status: 500, times: 1 });
    const opts = { sourceMessageId: '<a@x>', mergeWindowMs: WINDOW };
    const err = await failure(client.findOrCreateIncident(input, opts));
    expect(err).toMatchObject({ code: ErrorCodes.SOAR_SERVER_ERROR, retryable: true });
    expect(calls(sim, mark, 'POST', INCIDENTS)).toEqual([500]);
    // What BullMQ does next: the whole job again.
    const res = await client.findOrCreateIncident(input, opts);
    expect(res.outcome).toBe('created');
    expect(calls(sim, mark, 'POST', INCIDENTS)).toEqual([500, 200]);
    const stored = [...sim.state.incidents.values()].filter((i) => i.properties.sepm_alert_key === input.dedupKey);
    expect(stored).toHaveLength(1);
  });

  it('does not duplicate a create whose answer timed out (finds it by the dedup query instead)', async () => {
    const slow = await createIbmSoarClient(cfgFor(sim, { timeoutMs: 300 }), logger, FAST);
    try {
      const input = sampleIncident();
      const mark = sim.state.stats.log.length;
      sim.faults.add({ route: 'POST /rest/orgs/*/incidents', kind: 'latency', delayMs: 500, times: 1 });
      const res = await slow.findOrCreateIncident(input, { sourceMessageId: '<t@x>', mergeWindowMs: WINDOW });
      expect(res.outcome).toBe('created');
      expect(calls(sim, mark, 'POST', INCIDENTS)).toHaveLength(1);
      const stored = [...sim.state.incidents.values()].filter((i) => i.properties.sepm_alert_key === input.dedupKey);
      expect(stored).toHaveLength(1);
      expect(res.incident.id).toBe(stored[0]!.id);
      expect(res.addedArtifacts).toHaveLength(input.artifacts.length);
    } finally {
      await slow.close();
    }
  });

  it('re-reads and re-applies once after a 409 conflict on update, and leaves a second one to BullMQ', async () => {
    const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
    let mark = sim.state.stats.log.length;
    sim.faults.add({ route: 'PUT /rest/orgs/*/incidents/*', kind: 'conflict', times: 1 });
    const closed = await client.closeIncident(incident.id, 'Resolved', 'done');
    expect(closed.state).toBe('closed');
    expect(calls(sim, mark, 'PUT', INCIDENT)).toEqual([409, 200]);
    expect(calls(sim, mark, 'GET', INCIDENT)).toHaveLength(2);

    const other = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
    mark = sim.state.stats.log.length;
    sim.faults.add({ route: 'PUT /rest/orgs/*/incidents/*', kind: 'conflict', times: 50 });
    const err = await failure(client.closeIncident(other.incident.id, 'Resolved', 'done'));
    expect(err.code).toBe(ErrorCodes.SOAR_CONFLICT);
    expect(calls(sim, mark, 'PUT', INCIDENT)).toEqual([409, 409]);
    expect(sim.state.incidents.get(other.incident.id)?.plan_status).toBe('A');
  });

  it('a merge retried after two 409s (as BullMQ does) writes its occurrence note once', async () => {
    const input = sampleIncident();
    const first = await client.findOrCreateIncident(input, { sourceMessageId: '<n0@x>', mergeWindowMs: WINDOW });
    sim.faults.add({ route: 'PUT /rest/orgs/*/incidents/*', kind: 'conflict', times: 2 });
    const opts = { sourceMessageId: '<n1@x>', mergeWindowMs: WINDOW };
    expect((await failure(client.findOrCreateIncident(input, opts))).code).toBe(ErrorCodes.SOAR_CONFLICT);
    expect((await client.findOrCreateIncident(input, opts)).outcome).toBe('merged');
    const notes = (await client.listNotes(first.incident.id)).filter((n) => n.text.includes('Message-ID <n1@x>;'));
    expect(notes).toHaveLength(1);
    expect((await client.getIncident(first.incident.id)).occurrences).toBe(2);
  });

  it('loses no occurrence when merges race on the same incident (real vers conflicts)', async () => {
    const input = sampleIncident();
    const first = await client.findOrCreateIncident(input, { sourceMessageId: '<r0@x>', mergeWindowMs: WINDOW });
    // In-process the adapter re-reads once after a 409; a second 409 is a retryable SOAR_CONFLICT that BullMQ's
    // attempts answer (docs/failure-contracts.md). Four writers racing can hit it, so retry here as BullMQ would.
    const asBullmqWould = async <T>(run: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await run();
        } catch (err) {
          if (!isAppError(err) || err.code !== ErrorCodes.SOAR_CONFLICT || attempt >= 10) throw err;
        }
      }
    };
    const merges = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        asBullmqWould(() =>
          client.findOrCreateIncident(input, { sourceMessageId: `<r${n}@x>`, mergeWindowMs: WINDOW }),
        ),
      ),
    );
    expect(merges.map((m) => m.outcome)).toEqual(['merged', 'merged', 'merged', 'merged']);
    const after = await client.getIncident(first.incident.id);
    expect(after.occurrences).toBe(5);
    const applied = String(sim.state.incidents.get(first.incident.id)?.properties.sepm_message_ids).split('\n');
    expect(applied.sort()).toEqual(['<r0@x>', '<r1@x>', '<r2@x>', '<r3@x>', '<r4@x>']);
    expect(await client.listNotes(first.incident.id)).toHaveLength(4);
  });

  it('fails fast on 401 and other 4xx: exactly one request, never retried', async () => {
    const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
    for (const [status, code] of [
      [401, ErrorCodes.SOAR_AUTH_FAILED],
      [403, ErrorCodes.SOAR_FORBIDDEN],
      [400, ErrorCodes.SOAR_BAD_REQUEST],
    ] as const) {
      const mark = sim.state.stats.requests;
      sim.faults.add({ route: '*', kind: 'status', status, times: 10 });
      const err = await failure(client.getIncident(incident.id));
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(false);
      expect(sim.state.stats.requests - mark).toBe(1);
      sim.faults.clear();
    }
    const mark = sim.state.stats.requests;
    const err = await failure(client.getIncident(9999));
    expect(err.code).toBe(ErrorCodes.SOAR_NOT_FOUND);
    expect(err.message).toContain('Unable to find object with ID 9,999');
    expect(sim.state.stats.requests - mark).toBe(1);
  });

  it("honours a 429's Retry-After before retrying", async () => {
    const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
    const mark = sim.state.stats.log.length;
    sim.faults.add({ route: 'GET /rest/orgs/*/incidents/*', kind: 'status', status: 429, retryAfterSec: 1 });
    const t0 = Date.now();
    await client.getIncident(incident.id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(calls(sim, mark, 'GET', INCIDENT)).toEqual([429, 200]);
  });

  it('logs in again once when the session expired, and fails on a wrong password', async () => {
    const session = await createIbmSoarClient(
      cfgFor(sim, { apiKeyId: undefined, apiKeySecret: undefined, username: 'analyst@example.test', password: 'pw-1' }),
      logger,
      FAST,
    );
    try {
      const { incident } = await session.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW });
      sim.expireSessions();
      const mark = sim.state.stats.log.length;
      expect((await session.getIncident(incident.id)).id).toBe(incident.id);
      const seen = sim.state.stats.log.slice(mark).map((l) => `${l.method} ${l.status}`);
      expect(seen).toEqual(['GET 401', 'POST 200', 'GET 200']);
    } finally {
      await session.close();
    }
    const mark = sim.state.stats.requests;
    const bad = { apiKeyId: undefined, apiKeySecret: undefined, username: 'analyst@example.test', password: 'nope' };
    const err = await failure(createIbmSoarClient(cfgFor(sim, bad), logger, FAST));
    expect(err.code).toBe(ErrorCodes.SOAR_AUTH_FAILED);
    expect(sim.state.stats.requests - mark).toBe(1);
  });
});

describe('IBM SOAR adapter setup', () => {
  const sims: SoarSim[] = [];
  const start = async (opts: SoarSimOptions = {}) => {
    const s = await startSoarSim(opts);
    sims.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('resolves the org by name or uuid and rejects unknown or disabled orgs', async () => {
    const sim = await start({ orgName: 'SOC', extraOrgs: [{ name: 'Branch', enabled: false, uuid: 'u-branch' }] });
    const byUuid = await createIbmSoarClient(cfgFor(sim, { org: 'a1b2c3d4-0000-4000-8000-000000000201' }), logger);
    await byUuid.ping();
    await byUuid.close();
    const missing = await failure(createIbmSoarClient(cfgFor(sim, { org: 'Nope' }), logger));
    expect(missing.code).toBe(ErrorCodes.SOAR_ORG_NOT_FOUND);
    expect(missing.message).toContain('SOC');
    const disabled = await failure(createIbmSoarClient(cfgFor(sim, { org: 'u-branch' }), logger));
    expect(disabled.code).toBe(ErrorCodes.SOAR_ORG_NOT_FOUND);
    expect(disabled.message).toContain('disabled');
  });

  it('resolves artifact types by name on an install whose type ids differ', async () => {
    const sim = await start({ artifactTypeIdShift: 1000 });
    const client = await createIbmSoarClient(cfgFor(sim), logger);
    try {
      const { incident, addedArtifacts } = await client.findOrCreateIncident(sampleIncident(), {
        mergeWindowMs: WINDOW,
      });
      const types = [...sim.state.artifacts.values()].filter((a) => a.inc_id === incident.id).map((a) => a.type);
      // System Name 25, File Path 37, Malware Family/Variant 45 on a stock install.
      expect(types.sort()).toEqual([1025, 1037, 1045]);
      expect(addedArtifacts.map((a) => a.type).sort()).toEqual(
        [ArtifactTypes.filePath, ArtifactTypes.malwareFamily, ArtifactTypes.systemName].sort(),
      );
      const err = await failure(client.addArtifacts(incident.id, [{ type: 'Bogus Type' as never, value: 'x' }]));
      expect(err.code).toBe(ErrorCodes.SOAR_UNKNOWN_TYPE);
    } finally {
      await client.close();
    }
  });

  it('fails fast when the org lacks the custom fields, and keeps TLS verification on', async () => {
    const sim = await start({ customFields: ['sepm_occurrences', 'sepm_last_seen', 'sepm_message_ids'] });
    const err = await failure(createIbmSoarClient(cfgFor(sim), logger));
    expect(err.code).toBe(ErrorCodes.SOAR_UNKNOWN_TYPE);
    expect(err.message).toContain('sepm_alert_key');
    const noCa = await failure(createIbmSoarClient(cfgFor(sim, { caBundle: undefined }), logger));
    expect(noCa.code).toBe(ErrorCodes.SOAR_TLS);
    expect(noCa.retryable).toBe(false);
  });

  it('goes through an HTTP CONNECT proxy, still verifying the server certificate', async () => {
    const sim = await start();
    const tunnels: string[] = [];
    const proxy: Server = createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const upstream = connect(Number(port), host === 'localhost' ? '127.0.0.1' : String(host), () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const client = await createIbmSoarClient(cfgFor(sim, { proxy: proxyUrl }), logger);
      await client.ping();
      await client.close();
      expect(tunnels.length).toBeGreaterThanOrEqual(1);
      expect(tunnels[0]).toBe(new URL(sim.url).host);
      const err = await failure(createIbmSoarClient(cfgFor(sim, { proxy: proxyUrl, caBundle: undefined }), logger));
      expect(err.code).toBe(ErrorCodes.SOAR_TLS);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});

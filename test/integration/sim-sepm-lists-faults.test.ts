/** SEPM simulator: fingerprint lists v1/v2 (409/410/400, V1→V2 error), lock-down assignment, events, faults. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { simApi, type SimApi } from '../helpers/sim-http-helper.ts';

let sim: SepmSim;
let api: SimApi;
let domainId = '';

const MD5 = '582F9B6E0CC4C1DBBD772AAAF088CB3A';
const SHA = '02E188239C4A7761C2F4C63964B6A754E15A388980F4050AC8C327D1FA30255F';
const FP = '/policy-objects/fingerprints';

beforeAll(async () => {
  sim = await startSepmSim({ tls: false, computers: 20 });
  api = simApi(sim);
  await api.login();
  domainId = sim.state.domains[0]?.id ?? '';
});

afterAll(async () => {
  await api.close();
  await sim.stop();
});

async function create(name: string, version: 'v1' | 'v2', data: unknown[], hashType?: string): Promise<string> {
  const r = await api.call('POST', FP, { version, json: { name, description: 'd', domainId, hashType, data } });
  expect(r.status).toBe(200);
  return (r.json as { id: string }).id;
}

describe('fingerprint lists', () => {
  it('creates, reads by name and id, updates with an empty body, deletes, then 410s', async () => {
    const id = await create('Blocklist-A', 'v1', [MD5.toLowerCase()], 'MD5');
    const byName = await api.call('GET', FP, { query: { name: 'blocklist-a', domainId } });
    expect(byName.json).toMatchObject({ id, name: 'Blocklist-A', hashType: 'MD5', source: 'WEBSERVICE', data: [MD5] });
    const dup = await api.call('POST', FP, { json: { name: 'Blocklist-A', domainId, hashType: 'MD5', data: [MD5] } });
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual({ errorCode: '409', appErrorCode: '', errorMessage: 'File Fingerprint already exists' });
    const upd = await api.call('POST', `${FP}/${id}`, {
      json: { name: 'Blocklist-A', description: 'd', domainId, hashType: 'SHA256', data: [SHA] },
    });
    expect(upd.status).toBe(200);
    expect(upd.text).toBe('');
    expect((await api.call('GET', `${FP}/${id}`)).json).toMatchObject({ hashType: 'SHA256', data: [SHA] });
    const del = await api.call('DELETE', `${FP}/${id}`);
    expect([del.status, del.text]).toEqual([200, '']);
    const gone = await api.call('DELETE', `${FP}/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.json).toEqual({
      errorCode: '410',
      appErrorCode: '',
      errorMessage: `Fingerprint list with ID ${id} do not exist`,
    });
  });

  it('rejects SHA-1 and mismatched hashes with 400', async () => {
    const sha1 = 'A'.repeat(40);
    for (const body of [
      { name: 'x', domainId, hashType: 'SHA1', data: [sha1] },
      { name: 'x', domainId, hashType: 'MD5', data: [SHA] },
      { name: 'x', domainId, data: [MD5] },
    ]) {
      expect((await api.call('POST', FP, { json: body })).status).toBe(400);
    }
  });

  it('v2 lists answer v1 calls with the "not supported by V1" error and work on /v2', async () => {
    const id = await create('Blocklist-V2', 'v2', [{ MD5, SHA256: SHA.toLowerCase() }, { SHA256: SHA }]);
    for (const call of [
      () => api.call('GET', `${FP}/${id}`),
      () => api.call('GET', FP, { query: { name: 'Blocklist-V2' } }),
      () => api.call('DELETE', `${FP}/${id}`),
    ]) {
      const r = await call();
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect((r.json as { errorMessage: string }).errorMessage).toContain(
        'This FingerprintList is not supported by V1, please try V2!',
      );
    }
    const v2 = await api.call('GET', `${FP}/${id}`, { version: 'v2' });
    expect(v2.json).toMatchObject({ id, data: [{ MD5, SHA256: SHA }, { SHA256: SHA }] });
    expect((await api.call('DELETE', `${FP}/${id}`, { version: 'v2' })).status).toBe(200);
  });

  it('assigns a list to a group (empty body) and answers 400 for unknown or re-assigned lists', async () => {
    const id = await create('Blocklist-G', 'v1', [MD5], 'MD5');
    const group = sim.state.groups[1]?.id ?? '';
    const path = `/groups/${group}/system-lockdown/fingerprints/${id}`;
    const r = await api.call('PUT', path, { json: { group_id: group, fingerprint_id: id } });
    expect([r.status, r.text]).toEqual([200, '']);
    expect(sim.state.fingerprintLists.get(id)?.groupIds).toEqual([group]);
    expect((await api.call('PUT', path)).status).toBe(400);
    expect((await api.call('PUT', `/groups/${group}/system-lockdown/fingerprints/${'0'.repeat(32)}`)).status).toBe(400);
  });
});

describe('events and policies', () => {
  it('returns only unacknowledged critical events unless includeAcknowledged=true', async () => {
    const open = (await api.call('GET', '/events/critical')).json as {
      criticalEventsInfoList: { acknowledged: number }[];
    };
    const all = (await api.call('GET', '/events/critical', { query: { includeAcknowledged: 'true' } })).json as {
      criticalEventsInfoList: { acknowledged: number; eventDateTime: string }[];
      totalUnacknowledgedMessages: number;
    };
    expect(open.criticalEventsInfoList.every((e) => e.acknowledged === 0)).toBe(true);
    expect(all.criticalEventsInfoList.length).toBeGreaterThan(open.criticalEventsInfoList.length);
    expect(all.totalUnacknowledgedMessages).toBe(open.criticalEventsInfoList.length);
    expect(all.criticalEventsInfoList[0]?.eventDateTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0$/);
  });
});

describe('fault injection', () => {
  it('injects statuses per route for a number of requests, and counts requests', async () => {
    sim.faults.add({ route: 'GET /computers', kind: 'status', status: 503, times: 2 });
    const before = sim.state.stats.requests['GET /computers'] ?? 0;
    const s1 = await api.call('GET', '/computers');
    expect(s1.status).toBe(503);
    expect(s1.json).toEqual({ errorCode: '503', appErrorCode: '', errorMessage: expect.any(String) });
    expect((await api.call('GET', '/domains')).status).toBe(200);
    expect((await api.call('GET', '/computers')).status).toBe(503);
    expect((await api.call('GET', '/computers')).status).toBe(200);
    expect(sim.state.stats.requests['GET /computers']).toBe(before + 3);
  });

  it('matches wildcard routes, delays, expires tokens and resets connections', async () => {
    sim.faults.add({ route: 'GET /command-queue/*', kind: 'status', status: 500, times: Infinity });
    expect((await api.call('GET', `/command-queue/${'A'.repeat(32)}`)).status).toBe(500);
    expect((await api.call('GET', `/command-queue/file/${'A'.repeat(32)}/details`)).status).toBe(500);
    sim.faults.clear();
    expect((await api.call('GET', `/command-queue/${'A'.repeat(32)}`)).status).toBe(410);
    sim.faults.add({ route: '*', kind: 'latency', delayMs: 150 });
    const t0 = Date.now();
    expect((await api.call('GET', '/domains')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.add({ route: 'GET /groups', kind: 'expire-token' });
    expect((await api.call('GET', '/groups')).status).toBe(401);
    expect((await api.call('GET', '/domains')).status).toBe(401);
    await api.login();
    sim.faults.add({ route: 'GET /domains', kind: 'reset' });
    await expect(api.call('GET', '/domains')).rejects.toThrow();
    expect((await api.call('GET', '/domains')).status).toBe(200);
  });
});

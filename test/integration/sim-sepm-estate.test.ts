/** SEPM simulator: authentication, token expiry, paging, computer filters, move, groups, domains. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { simApi, type SimApi } from '../helpers/sim-http-helper.ts';

let sim: SepmSim;
let api: SimApi;

interface Page<T> {
  content: T[];
  number: number;
  size: number;
  totalPages: number;
  totalElements: number;
  numberOfElements: number;
  lastPage: boolean;
  firstPage: boolean;
  sort: { property: string; direction: string; ascending: boolean }[];
}
type Computer = Record<string, unknown> & { computerName: string; uniqueId: string; hardwareKey: string };

beforeAll(async () => {
  sim = await startSepmSim({
    computers: 45,
    seed: 3,
    users: [
      { username: 'admin', password: 'p@ss"\\w0rd<&>', domain: '' },
      { username: 'locked', password: 'x', domain: 'Default', locked: true },
      { username: 'labadmin', password: 'y', domain: 'Lab' },
    ],
  });
  api = simApi(sim);
  expect((await api.login()).status).toBe(200);
});

afterAll(async () => {
  await api.close();
  await sim.stop();
});

const errorBody = (status: number): object => ({
  errorCode: String(status),
  appErrorCode: '',
  errorMessage: expect.any(String),
});

describe('authentication', () => {
  it('logs in with special-character passwords and rejects wrong or locked accounts with 401', async () => {
    const other = simApi(sim);
    const ok = await other.login({ username: 'admin', password: 'p@ss"\\w0rd<&>', domain: 'Default' });
    expect(ok.json).toMatchObject({ token: expect.any(String), tokenExpiration: 43200, domain: 'Default' });
    const lab = await other.login({ username: 'labadmin', password: 'y', domain: 'lab' });
    expect(lab.status).toBe(200);
    for (const creds of [
      { username: 'admin', password: 'wrong', domain: '' },
      { username: 'locked', password: 'x', domain: '' },
      { username: 'labadmin', password: 'y', domain: '' },
    ]) {
      const r = await other.call('POST', '/identity/authenticate', { json: creds, auth: false });
      expect(r.status).toBe(401);
      expect(r.json).toEqual(errorBody(401));
    }
    await other.close();
  });

  it('requires a bearer token except for /version, and 401s expired tokens', async () => {
    const other = simApi(sim);
    expect((await other.call('GET', '/computers')).status).toBe(401);
    expect((await other.call('GET', '/version')).status).toBe(200);
    await other.login();
    expect((await other.call('GET', '/sessions/currentuser')).status).toBe(200);
    const logins = sim.state.stats.logins;
    sim.expireAllTokens();
    const expired = await other.call('GET', '/domains');
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual(errorBody(401));
    await other.login();
    expect(sim.state.stats.logins).toBe(logins + 1);
    expect((await other.call('POST', '/identity/logout')).status).toBe(204);
    expect((await other.call('GET', '/domains')).status).toBe(401);
    await other.close();
    await api.login();
  });

  it('honours a short configured token lifetime', async () => {
    const short = await startSepmSim({ tls: false, computers: 3, tokenLifetimeSec: 1 });
    const a = simApi(short);
    const r = await a.login();
    expect((r.json as { tokenExpiration: number }).tokenExpiration).toBe(1);
    expect((await a.call('GET', '/domains')).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1100));
    expect((await a.call('GET', '/domains')).status).toBe(401);
    await a.close();
    await short.stop();
  });
});

describe('paging and filters', () => {
  it('pages computers 1-based with a 0-based number and default size 20', async () => {
    const p1 = (await api.call('GET', '/computers')).json as Page<Computer>;
    expect(p1).toMatchObject({
      number: 0,
      size: 20,
      totalElements: 45,
      totalPages: 3,
      firstPage: true,
      lastPage: false,
    });
    expect(p1.sort).toEqual([{ direction: 'ASC', property: 'COMPUTER_NAME', ascending: true }]);
    const p3 = (await api.call('GET', '/computers', { query: { pageIndex: '3' } })).json as Page<Computer>;
    expect(p3).toMatchObject({ number: 2, numberOfElements: 5, lastPage: true, firstPage: false });
    const names: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const p = (await api.call('GET', '/computers', { query: { pageIndex: String(i), pageSize: '20' } })).json;
      names.push(...(p as Page<Computer>).content.map((c) => c.computerName));
    }
    expect(new Set(names).size).toBe(45);
    expect([...names].sort((a, b) => (a.toUpperCase() < b.toUpperCase() ? -1 : 1))).toEqual(names);
    const desc = (await api.call('GET', '/computers', { query: { order: 'DESC', pageSize: '45' } })).json;
    expect((desc as Page<Computer>).content.map((c) => c.computerName)).toEqual([...names].reverse());
    expect((await api.call('GET', '/computers', { query: { pageIndex: '0' } })).status).toBe(400);
  });

  it('filters by name wildcard (case-insensitive), id, hardware key, OS and domain', async () => {
    const target = sim.state.computers[5];
    if (!target) throw new Error('estate too small');
    const exact = (await api.call('GET', '/computers', { query: { computerName: target.computerName.toLowerCase() } }))
      .json as Page<Computer>;
    expect(exact.content.map((c) => c.uniqueId)).toEqual([target.uniqueId]);
    const prefix = target.computerName.slice(0, 3).toLowerCase();
    const wild = (await api.call('GET', '/computers', { query: { computerName: `${prefix}*`, pageSize: '100' } }))
      .json as Page<Computer>;
    const expected = sim.state.computers.filter((c) => c.computerName.toLowerCase().startsWith(prefix));
    expect(wild.content.map((c) => c.computerName)).toEqual(expected.map((c) => c.computerName));
    const byId = (
      await api.call('GET', '/computers', { query: { computer_id: target.uniqueId, computerName: 'nomatch' } })
    ).json as Page<Computer>;
    expect(byId.content).toHaveLength(1);
    const byHk = (await api.call('GET', '/computers', { query: { hardware_key: target.hardwareKey } }))
      .json as Page<Computer>;
    expect(byHk.content[0]?.uniqueId).toBe(target.uniqueId);
    const mac = (await api.call('GET', '/computers', { query: { os: 'MacOSX', pageSize: '100' } }))
      .json as Page<Computer>;
    expect(mac.content.every((c) => String(c.operatingSystem).startsWith('macOS'))).toBe(true);
    expect(mac.totalElements).toBe(sim.state.computers.filter((c) => c.os === 'macos').length);
    const osx = (await api.call('GET', '/computers', { query: { os: ['OSX', 'Ubuntu,RedHat'] } }))
      .json as Page<Computer>;
    expect(osx.totalElements).toBe(sim.state.computers.filter((c) => c.os !== 'windows').length);
    const lab = sim.state.domains[1]?.id ?? '';
    const inLab = (await api.call('GET', '/computers', { query: { domain: lab, pageSize: '100' } }))
      .json as Page<Computer>;
    expect(inLab.totalElements).toBe(sim.state.computers.filter((c) => c.domainId === lab).length);
  });

  it('generates realistic records: engines incl. 3/127, IPv6, epoch-ms times, 32-hex ids', async () => {
    const all = (await api.call('GET', '/computers', { query: { pageSize: '100' } })).json as Page<Computer>;
    const values = new Set(all.content.flatMap((c) => [c.apOnOff, c.elamOnOff, c.tdadOnOff, c.ptpOnOff]));
    for (const v of [1, 2, 3]) expect(values.has(v)).toBe(true);
    expect(all.content.some((c) => (c.ipAddresses as string[]).some((ip) => ip.includes(':')))).toBe(true);
    expect(all.content.some((c) => c.onlineStatus === 0)).toBe(true);
    for (const c of all.content) {
      expect(c.uniqueId).toMatch(/^[0-9A-F]{32}$/);
      expect(c.lastUpdateTime).toBeGreaterThan(1_600_000_000_000);
      expect((c.group as { fullPathName: unknown }).fullPathName).toBeNull();
    }
    const again = await startSepmSim({ tls: false, computers: 45, seed: 3 });
    expect(again.state.computers.map((c) => c.uniqueId)).toEqual(sim.state.computers.map((c) => c.uniqueId));
    await again.stop();
  });
});

describe('groups, domains and move', () => {
  it('lists nested groups (default size 25) and filters by fullPathName', async () => {
    const all = (await api.call('GET', '/groups', { query: { pageSize: '100' } })).json as Page<
      Record<string, unknown>
    >;
    expect(all.content.some((g) => String(g.fullPathName).split('\\').length >= 3)).toBe(true);
    expect(new Set(all.content.map((g) => g.policyInheritanceEnabled))).toEqual(new Set([true, false]));
    const one = (await api.call('GET', '/groups', { query: { fullPathName: 'my company\\servers\\dmz' } }))
      .json as Page<Record<string, unknown>>;
    expect(one.content.map((g) => g.fullPathName)).toEqual(['My Company\\Servers\\DMZ']);
    expect(one.size).toBe(25);
    const domains = (await api.call('GET', '/domains')).json as { name: string }[];
    expect(domains.map((d) => d.name)).toEqual(['Default', 'Lab']);
  });

  it('moves a computer by hardware key and reports unknown groups per item', async () => {
    const c = sim.state.computers.find((x) => x.domainId === sim.state.domains[0]?.id);
    const target = sim.state.groups.find((g) => g.domainId === c?.domainId && g.id !== c?.groupId);
    if (!c || !target) throw new Error('estate');
    const r = await api.call('PATCH', '/computers', {
      json: [
        { group: { id: target.id }, hardwareKey: c.hardwareKey },
        { group: { id: '0'.repeat(32) }, hardwareKey: c.hardwareKey },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      { responseCode: '200', responseMessage: 'OK' },
      { responseCode: '410', responseMessage: expect.any(String) },
    ]);
    const after = (await api.call('GET', '/computers', { query: { computer_id: c.uniqueId } })).json as Page<Computer>;
    expect((after.content[0]?.group as { id: string }).id).toBe(target.id);
  });
});

/** SEPM simulator command queue: progression, EOC matches, remediation, quarantine, upload + zip/XOR, cancel. */
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { simApi, sleep, waitCommand, type SimApi } from '../helpers/sim-http-helper.ts';
import { sample } from '../helpers/sim-shape.ts';

let sim: SepmSim;
let api: SimApi;

const SHA = 'bfe4fd780b47e8d4e5661d4c3881d114e8631e84a686e3bb8aad85d4af20454a';
const STEP_MS = 15;

beforeAll(async () => {
  sim = await startSepmSim({ computers: 40, seed: 11, commandStepMs: STEP_MS });
  api = simApi(sim);
  await api.login();
});

afterAll(async () => {
  await api.close();
  await sim.stop();
});

function online(n: number): string {
  const c = sim.state.computers.filter((x) => x.onlineStatus === 1)[n];
  if (!c) throw new Error('not enough online computers');
  return c.uniqueId;
}

function eocXml(opts: { sha256?: string; md5?: string; name?: string; remediate?: boolean }): string {
  const name = opts.name ?? '';
  const file = (hashName: string, value: string): string =>
    `<File name="${name || hashName}" action="create"><Hash name="${hashName}" value="${value}" /></File>`;
  return [
    '<EOC creator="SOAR" version="" id="">',
    '<DataSource name="" id="" version="" />',
    '<ScanType>QUICK_SCAN</ScanType>',
    opts.remediate ? '<RemediationAction>REMEDIATE</RemediationAction>' : '',
    '<Threat category="" type="" severity="" time=""><Description>scan</Description><Attacker></Attacker></Threat>',
    '<Activity><OS id="1" name="" version="" patch=""><Process></Process><Files>',
    file('SHA256', opts.sha256 ?? ''),
    file('SHA1', ''),
    file('MD5', opts.md5 ?? ''),
    '</Files><Registry></Registry><Network></Network></OS></Activity></EOC>',
  ].join('\n');
}

type Entry = Record<string, unknown> & { stateId: number; computerId: string; resultInXML: string | null };

async function runEoc(ids: string[] | string, xml: string, allowPending = 0): Promise<Entry[]> {
  const r = await api.call('POST', '/command-queue/eoc', {
    query: { computer_ids: ids },
    body: xml,
    headers: { 'content-type': 'application/json' },
  });
  expect(r.status).toBe(200);
  const id = (r.json as { commandID_computer: string }).commandID_computer;
  return (await waitCommand(api, id, 5000, allowPending)) as Entry[];
}

describe('command progression', () => {
  it('advances 0→3 with null→ISO-Z times; offline clients stay at 0', async () => {
    const offline = sim.state.computers.find((c) => c.onlineStatus === 0)?.uniqueId ?? '';
    const slow = await startSepmSim({ tls: false, computers: 20, seed: 11, commandStepMs: 300 });
    const a = simApi(slow);
    await a.login();
    const id0 = slow.state.computers.find((c) => c.onlineStatus === 1)?.uniqueId ?? '';
    const r = await a.call('POST', '/command-queue/quarantine', { query: { computer_ids: id0 } });
    const cmd = (r.json as { commandID_computer: string }).commandID_computer;
    const first = ((await a.call('GET', `/command-queue/${cmd}`)).json as { content: Entry[] }).content[0];
    expect(first).toMatchObject({ stateId: 0, beginTime: null, lastUpdateTime: null });
    await sleep(350);
    const mid = ((await a.call('GET', `/command-queue/${cmd}`)).json as { content: Entry[] }).content[0];
    // One step is 300 ms; a loaded machine may already be in the next step.
    expect([1, 2]).toContain(mid?.stateId);
    expect(mid?.beginTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const done = await waitCommand(a, cmd, 3000);
    expect(done[0]?.stateId).toBe(3);
    await a.close();
    await slow.stop();
    const entries = await runEoc([online(0), offline], eocXml({ md5: 'ab'.repeat(16) }), 1);
    const states = Object.fromEntries(entries.map((e) => [e.computerId, e.stateId]));
    expect(states).toEqual({ [online(0)]: 3, [offline]: 0 });
  });

  it('accepts repeated, comma-joined and empty id items; unknown ids are 400', async () => {
    const r = await api.call('POST', '/command-queue/eoc', {
      query: { computer_ids: [`${online(0)},${online(1)}`, '', online(2)] },
      body: eocXml({}),
    });
    const cmd = sim.state.commands.get((r.json as { commandID_computer: string }).commandID_computer);
    expect(cmd?.entries).toHaveLength(3);
    const bad = await api.call('POST', '/command-queue/eoc', {
      query: { computer_ids: 'F'.repeat(32) },
      body: eocXml({}),
    });
    expect(bad.status).toBe(400);
    const none = await api.call('POST', '/command-queue/eoc', { query: { computer_ids: '' }, body: eocXml({}) });
    expect(none.status).toBe(400);
    const notXml = await api.call('POST', '/command-queue/eoc', {
      query: { computer_ids: online(0) },
      body: '{"a":1}',
    });
    expect(notXml.status).toBe(400);
  });
});

describe('group commands and injected states', () => {
  it('targets every computer of a group subtree and pages the per-computer entries', async () => {
    const top = sim.state.groups.find((g) => g.parentId === null && g.domainId === sim.state.domains[0]?.id);
    const expected = sim.state.computers.filter((c) => c.domainId === top?.domainId).length;
    const r = await api.call('POST', '/command-queue/fullscan', { query: { group_ids: top?.id ?? '' } });
    const id = (r.json as { commandID_group: string }).commandID_group;
    const p2 = (await api.call('GET', `/command-queue/${id}`, { query: { pageIndex: '2', pageSize: '5' } })).json;
    expect(p2).toMatchObject({ number: 1, size: 5, totalElements: expected, numberOfElements: 5 });
  });

  it('reports states injected through the model (4 rejected, 6 error) as terminal', async () => {
    const r = await api.call('POST', '/command-queue/activescan', { query: { computer_ids: [online(0), online(1)] } });
    const id = (r.json as { commandID_computer: string }).commandID_computer;
    const cmd = sim.state.commands.get(id);
    if (!cmd?.entries[0] || !cmd.entries[1]) throw new Error('command missing');
    cmd.entries[0].forcedStateId = 4;
    cmd.entries[1].forcedStateId = 6;
    const entries = await waitCommand(api, id, 2000);
    expect(entries.map((e) => e.stateId).sort()).toEqual([4, 6]);
  });
});

describe('EOC scans against planted files', () => {
  it('reports HASH_MATCH for every copy, FULL_MATCH by path and NO_MATCH elsewhere', async () => {
    sim.plantFile(online(3), { path: 'C:\\temp\\where_copy.exe', sha256: SHA.toUpperCase() });
    sim.plantFile(online(3), { path: 'C:\\Users\\Administrator\\Desktop\\where-copy.exe', sha256: SHA });
    const [hit, miss] = await runEoc(
      [online(3), online(4)],
      eocXml({ sha256: SHA, name: 'C:\\temp\\where_copy.exe' }),
    ).then((es) => [es.find((e) => e.computerId === online(3)), es.find((e) => e.computerId === online(4))]);
    const xml = hit?.resultInXML ?? '';
    expect(xml.match(/result="HASH_MATCH"/g)).toHaveLength(2);
    expect(xml).toContain('value="C:\\Users\\Administrator\\Desktop\\where-copy.exe"');
    expect(xml).toContain(
      `<Matched result="FULL_MATCH" value="C:\\temp\\where_copy.exe" hashType="SHA256" hashValue="${SHA}"/>`,
    );
    expect(xml).not.toContain('remediation=');
    expect(xml).toContain('<proxy ip=""/>');
    expect(xml).not.toContain('<Hash name="SHA1"');
    expect(miss?.resultInXML).toContain('<Matched result="NO_MATCH"/>');
    expect(miss?.resultInXML).not.toContain('HASH_MATCH');
  });

  it('remediation quarantines the file (SUCCEEDED), fails under C:\\Windows, and a rescan finds nothing', async () => {
    const id = online(5);
    sim.plantFile(id, { path: 'D:\\drop\\evil.exe', sha256: SHA });
    sim.plantFile(id, { path: 'C:\\Windows\\SysWOW64\\where.exe', sha256: SHA });
    const [entry] = await runEoc(id, eocXml({ sha256: SHA, name: 'D:\\drop\\evil.exe', remediate: true }));
    const xml = entry?.resultInXML ?? '';
    expect(xml).toContain('<RemediationAction>REMEDIATE</RemediationAction>');
    expect(xml).toContain('value="D:\\drop\\evil.exe" remediation="SUCCEEDED" hashType="SHA256"');
    expect(xml).toContain('value="C:\\Windows\\SysWOW64\\where.exe" remediation="FAILED"');
    expect(xml).toContain('result="FULL_MATCH" value="D:\\drop\\evil.exe" remediation="UNSUPPORTED"');
    const computer = sim.state.computers.find((c) => c.uniqueId === id);
    expect(computer?.files.map((f) => f.path)).toEqual(['C:\\Windows\\SysWOW64\\where.exe']);
    const [again] = await runEoc(id, eocXml({ sha256: SHA, name: 'D:\\drop\\evil.exe' }));
    expect(again?.resultInXML).not.toContain('D:\\drop\\evil.exe" hashType');
  });

  it('matches MD5 computed from planted content', async () => {
    const content = Buffer.from('malware bytes');
    const md5 = createHash('md5').update(content).digest('hex').toUpperCase();
    sim.plantFile(online(6), {
      path: '/tmp/x.sh',
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
    });
    const [entry] = await runEoc(online(6), eocXml({ md5 }));
    expect(entry?.resultInXML).toContain('<Matched result="HASH_MATCH" value="/tmp/x.sh" hashType="MD5"/>');
  });
});

describe('quarantine, upload and cancel', () => {
  it('quarantines on completion and undo=True lifts it', async () => {
    const c = sim.state.computers.find((x) => x.onlineStatus === 1 && x.os === 'windows');
    if (!c) throw new Error('estate');
    const before = c.quarantineDesc;
    const r = await api.call('POST', '/command-queue/quarantine', { query: { hardware_ids: c.hardwareKey } });
    await waitCommand(api, (r.json as { commandID_computer: string }).commandID_computer);
    const rec = async (): Promise<Record<string, unknown>> =>
      (
        (await api.call('GET', '/computers', { query: { computer_id: c.uniqueId } })).json as {
          content: Record<string, unknown>[];
        }
      ).content[0] ?? {};
    expect(await rec()).toMatchObject({ quarantineStatus: 1, quarantineDesc: expect.stringContaining('quarantined') });
    const u = await api.call('POST', '/command-queue/quarantine', {
      query: { computer_ids: c.uniqueId, undo: 'True' },
    });
    await waitCommand(api, (u.json as { commandID_computer: string }).commandID_computer);
    expect((await rec()).quarantineDesc).toBe(before);
  });

  it('uploads a planted file: binaryFileId, details, zip with hash member + metadata Key, XOR round trip', async () => {
    const eicar = Buffer.from(
      (sample('file_content.sepm14_3.integration_output.json') as { content: string }).content,
      'base64',
    );
    const sha = createHash('sha256').update(eicar).digest('hex');
    sim.plantFile(online(7), { path: 'C:\\temp\\eicar.com', sha256: sha, content: eicar });
    const r = await api.call('POST', '/command-queue/files', {
      query: { computer_ids: online(7), file_path: 'C:\\temp\\eicar.com', sha256: sha, source: 'FILESYSTEM' },
    });
    const [entry] = await waitCommand(api, (r.json as { commandID: string }).commandID);
    const fileId = String(entry?.binaryFileId);
    expect(fileId).toMatch(/^[0-9A-F]{32}$/);
    const details = await api.call('GET', `/command-queue/file/${fileId}/details`);
    expect(details.json).toEqual({
      id: fileId,
      fileSize: eicar.length,
      checksum: createHash('md5').update(eicar).digest('hex').toUpperCase(),
    });
    const zip = await api.call('GET', `/command-queue/file/${fileId}/content`);
    expect(zip.body.subarray(0, 4).toString('binary')).toBe('PK\u0003\u0004');
    const members = unzipSync(new Uint8Array(zip.body));
    expect(Object.keys(members).sort()).toEqual([sha.toUpperCase(), 'metadata.xml'].sort());
    const key = Number(/<File Key="(\d+)"/.exec(Buffer.from(members['metadata.xml'] ?? []).toString())?.[1]);
    const decoded = Buffer.from((members[sha.toUpperCase()] ?? new Uint8Array()).map((b) => b ^ key));
    expect(decoded.toString('base64')).toBe(eicar.toString('base64'));
    expect((await api.call('GET', `/command-queue/file/${'0'.repeat(32)}/content`)).status).toBe(410);
    const missing = await api.call('POST', '/command-queue/files', {
      query: { computer_ids: online(8), file_path: 'C:\\nope.exe' },
    });
    const [failed] = await waitCommand(api, (missing.json as { commandID: string }).commandID);
    expect(failed).toMatchObject({ stateId: 6, binaryFileId: null });
  });

  it('cancel turns pending entries to 5 and returns a new command id', async () => {
    const slow = await startSepmSim({ tls: false, computers: 10, commandStepMs: 60_000 });
    const a = simApi(slow);
    await a.login();
    const id = slow.state.computers.find((c) => c.onlineStatus === 1)?.uniqueId ?? '';
    const r = await a.call('POST', '/command-queue/eoc', { query: { computer_ids: id }, body: eocXml({}) });
    const cmd = (r.json as { commandID_computer: string }).commandID_computer;
    const c = await a.call('POST', `/command-queue/${cmd}/cancel`);
    expect((c.json as { commandID: string }).commandID).not.toBe(cmd);
    const status = (await a.call('GET', `/command-queue/${cmd}`)).json as { content: Entry[] };
    expect(status.content[0]?.stateId).toBe(5);
    expect((await a.call('POST', `/command-queue/${'0'.repeat(32)}/cancel`)).status).toBe(410);
    await a.close();
    await slow.stop();
  });
});

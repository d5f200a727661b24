/**
 * Contract: every simulator route answers with the shape of the corresponding real SEPM sample
 * (fixtures/sepm-api, copied from ../shared/samples/sepm-api): key sets modulo documented 14.2/14.3 drift,
 * JSON value types, paging envelope, and byte-exact error bodies where a real one exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { simApi, waitCommand, type SimApi } from '../helpers/sim-http-helper.ts';
import { COMPUTER_143_ONLY, FN_SEP_KEYS, OS_142_ONLY, sample, shapeDiff } from '../helpers/sim-shape.ts';

let sim: SepmSim;
let api: SimApi;

beforeAll(async () => {
  sim = await startSepmSim({ computers: 60, seed: 7, commandStepMs: 10 });
  api = simApi(sim);
  await api.login();
});

afterAll(async () => {
  await api.close();
  await sim.stop();
});

const fnSep = (k: string): boolean => FN_SEP_KEYS.test(k);
const onlineId = (): string => sim.state.computers.find((c) => c.onlineStatus === 1)?.uniqueId ?? '';

describe('SEPM simulator contract against real samples', () => {
  it('GET /version matches both real versions without a token', async () => {
    const r = await api.call('GET', '/version', { auth: false });
    expect(r.status).toBe(200);
    for (const f of ['version_14.2.1031.0100.json', 'version_14.3.25029.9000.json']) {
      expect(shapeDiff(sample(f), r.json)).toEqual([]);
    }
  });

  it('POST /identity/authenticate returns at least the mock keys plus tokenExpiration (seconds)', async () => {
    const r = await api.login();
    expect(shapeDiff(sample('auth_authenticate_response.mock.json'), r.json, { allowExtraKeys: () => true })).toEqual(
      [],
    );
    expect(typeof (r.json as { tokenExpiration: unknown }).tokenExpiration).toBe('number');
  });

  it('GET /domains is a bare array of Domain records', async () => {
    const r = await api.call('GET', '/domains');
    for (const f of ['domains_14.2.json', 'domains.sepm14_3.json']) expect(shapeDiff(sample(f), r.json)).toEqual([]);
  });

  it('GET /computers matches the 14.3 records exactly and the 14.2 ones modulo drift', async () => {
    const r = await api.call('GET', '/computers');
    expect(
      shapeDiff(sample('computers_by_name.sepm14_3.integration_output.json'), r.json, { ignoreSampleKeys: fnSep }),
    ).toEqual([]);
    expect(
      shapeDiff(sample('computers_page_14.3ru6_sanitized.json'), r.json, {
        ignoreSampleKeys: fnSep,
        allowExtraKeys: (k) => k === 'behavioralAnalysisDefsetVersion',
      }),
    ).toEqual([]);
    for (const f of [
      'computers_page_14.2_two_clients.json',
      'computers_hostname.mock.json',
      'computers_non_compliant.mock.json',
    ]) {
      const diff = shapeDiff(sample(f), r.json, {
        ignoreSampleKeys: (k) => OS_142_ONLY.has(k),
        allowExtraKeys: (k) => COMPUTER_143_ONLY.has(k),
      });
      expect(diff, f).toEqual([]);
    }
  });

  it('GET /groups matches every real group page; createdBy is space-padded to 128', async () => {
    const r = await api.call('GET', '/groups');
    for (const f of ['groups_page_14.2.json', 'groups_page_14.3ru6_raw.json', 'groups.sepm14_3.json']) {
      expect(shapeDiff(sample(f), r.json), f).toEqual([]);
    }
    const body = r.json as { size: number; content: { createdBy: string }[] };
    expect(body.size).toBe(25);
    expect(body.content[0]?.createdBy).toHaveLength(128);
  });

  it('PATCH /computers answers a BulkResponse array', async () => {
    const c = sim.state.computers[1];
    const r = await api.call('PATCH', '/computers', {
      json: [{ group: { id: c?.groupId }, hardwareKey: c?.hardwareKey }],
    });
    expect(r.json).toEqual(sample('computers_patch_move_response_14.2.json'));
  });

  it('command-queue POST responses use the real key names', async () => {
    const group = sim.state.groups[0]?.id ?? '';
    const xml = '<EOC creator="SOAR" version="" id=""><ScanType>QUICK_SCAN</ScanType></EOC>';
    const query = { computer_ids: onlineId() };
    const eoc1 = await api.call('POST', '/command-queue/eoc', { query, body: xml });
    expect(shapeDiff(sample('command_queue_eoc_response_14.3ru8.json'), eoc1.json)).toEqual([]);
    const eoc2 = await api.call('POST', '/command-queue/eoc', { query: { ...query, group_ids: group }, body: xml });
    expect(shapeDiff(sample('command_queue_eoc_response_computer_and_group_14.2.json'), eoc2.json)).toEqual([]);
    const q1 = await api.call('POST', '/command-queue/quarantine', { query });
    expect(shapeDiff(sample('command_queue_quarantine_response_14.2.json'), q1.json)).toEqual([]);
    const q2 = await api.call('POST', '/command-queue/quarantine', {
      query: { ...query, group_ids: group, undo: 'True' },
    });
    expect(shapeDiff(sample('quarantine_response.sepm14_3.json'), q2.json)).toEqual([]);
    const files = await api.call('POST', '/command-queue/files', { query: { ...query, file_path: 'C:\\x.exe' } });
    for (const f of ['command_queue_files_response_14.2.json', 'command_queue_files_response_14.3ru8.json']) {
      expect(shapeDiff(sample(f), files.json)).toEqual([]);
    }
    const id = (q1.json as { commandID_computer: string }).commandID_computer;
    const cancel = await api.call('POST', `/command-queue/${id}/cancel`);
    expect(shapeDiff(sample('cancel_command_response.sepm14_3.json'), cancel.json)).toEqual([]);
    expect((cancel.json as { commandID: string }).commandID).toMatch(/^[0-9A-F]{32}$/);
  });

  it('GET /command-queue/{id} matches pending and completed real entries', async () => {
    const online = onlineId();
    const offline = sim.state.computers.find((c) => c.onlineStatus === 0)?.uniqueId ?? '';
    const xml = sampleXml();
    const r = await api.call('POST', '/command-queue/eoc', { query: { computer_ids: [online, offline] }, body: xml });
    const id = (r.json as { commandID_computer: string }).commandID_computer;
    const pending = await api.call('GET', `/command-queue/${id}`);
    for (const f of ['command_status_quarantine_pending_14.3ru8.json', 'command_status_eoc_quickscan_14.2.json']) {
      expect(shapeDiff(sample(f), pending.json, { ignoreSampleKeys: fnSep }), f).toEqual([]);
    }
    await waitCommand(api, id, 5000, 1);
    const done = await api.call('GET', `/command-queue/${id}`);
    expect(shapeDiff(sample('command_status_eoc_quickscan_14.2.json'), done.json)).toEqual([]);
    // The remediation sample holds only a completed entry: compare the completed one.
    const body = done.json as { content: { stateId: number }[] };
    const completed = { ...body, content: body.content.filter((e) => e.stateId === 3) };
    expect(shapeDiff(sample('command_status_eoc_remediate_14.2.json'), completed)).toEqual([]);
    const entries = (done.json as { content: { stateId: number }[] }).content;
    expect(entries.map((e) => e.stateId).sort()).toEqual([0, 3]);
  });

  it('fingerprint list bodies and the real 410 error body', async () => {
    const missing = await api.call('GET', '/policy-objects/fingerprints', { query: { name: 'Blacklist2' } });
    expect(missing.status).toBe(410);
    expect(missing.json).toEqual(sample('error_410_fingerprint_list_not_found_14.3ru8.json'));
    const domainId = sim.state.domains[0]?.id;
    const body = {
      name: 'Blacklist',
      description: 'Hash of type Malware MD5 Hash',
      domainId,
      hashType: 'MD5',
      data: ['582F9B6E0CC4C1DBBD772AAAF088CB3A'],
    };
    const created = await api.call('POST', '/policy-objects/fingerprints', { json: body });
    for (const f of ['fingerprint_list_post_response_14.2.json', 'fingerprint_list_post_response_14.3ru8.json']) {
      expect(shapeDiff(sample(f), created.json)).toEqual([]);
    }
    const got = await api.call('GET', '/policy-objects/fingerprints', {
      query: { name: 'Blacklist', domainId: domainId ?? '' },
    });
    expect(shapeDiff(sample('fingerprint_list_get_14.2.json'), got.json)).toEqual([]);
  });

  it('events, policy summary, exceptions policy and the real 400 policy-type error body', async () => {
    const ev = await api.call('GET', '/events/critical');
    expect(shapeDiff(sample('events_critical_trimmed.json'), ev.json)).toEqual([]);
    const ps = await api.call('GET', '/policies/summary', { query: { domainId: sim.state.domains[0]?.id ?? '' } });
    expect(shapeDiff(sample('policy_summary.sepm14_3.subset.json'), ps.json)).toEqual([]);
    expect((ps.json as { sort: unknown }).sort).toBeNull();
    const items = (ps.json as { content: { id: string; policytype: string }[] }).content;
    const exId = items.find((p) => p.policytype === 'exceptions')?.id ?? '';
    const ex = await api.call('GET', `/policies/exceptions/${exId}`);
    expect(shapeDiff(sample('exceptions_policy.sepm14_3.json'), ex.json)).toEqual([]);
    const fwId = items.find((p) => p.policytype === 'fw')?.id ?? '';
    const fw = await api.call('GET', `/policies/firewall/${fwId}`);
    expect(fw.status).toBe(200);
    expect(fw.json).toMatchObject({ name: 'Firewall policy', configuration: { autoblock_duration: 600 } });
    // An id is known only under its own type's path.
    expect((await api.call('GET', `/policies/firewall/${exId}`)).status).toBe(410);
    const bad = await api.call('GET', '/policies/summary/msl');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(sample('error_400_policy_type_invalid_14.3.json'));
  });
});

function sampleXml(): string {
  return [
    '<EOC creator="SOAR" version="" id="">',
    '<DataSource name="" id="" version="" />',
    '<ScanType>QUICK_SCAN</ScanType>',
    '<Threat category="" type="" severity="" time=""><Description>d</Description><Attacker></Attacker></Threat>',
    '<Activity><OS id="1" name="" version="" patch=""><Process></Process><Files>',
    '<File name="MD5" action="create"><Hash name="MD5" value="582F9B6E0CC4C1DBBD772AAAF088CB3A" /></File>',
    '</Files><Registry></Registry><Network></Network></OS></Activity></EOC>',
  ].join('');
}

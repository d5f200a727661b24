import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { createSepmClient, type SepmClient } from '../../../../src/sepm/client/client.ts';
import { createSepmApi, type SepmApi, type SepmRawApi } from '../../../../src/sepm/functions/api.ts';
import type { EndpointStatusSummary, SepmPage } from '../../../../src/sepm/functions/types.ts';
import { ErrorCodes } from '../../../../src/shared/errors.ts';
import { fakeConfig, fixture, sendJson, startFakeSepm, type FakeSepm } from '../../../helpers/fake-sepm.ts';

/** Every real sample decoded through the client and the function set (plain HTTP stand-in server). */

let sepm: FakeSepm;
let client: SepmClient;
let api: SepmApi;
let fns: SepmRawApi;
const NOW = Date.parse('2026-01-01T00:00:00Z');

beforeEach(async () => {
  sepm = await startFakeSepm();
  const cfg = fakeConfig(sepm.port);
  client = createSepmClient(cfg, { retry: { baseMs: 1, capMs: 2 } });
  api = createSepmApi(client, cfg, { now: () => NOW });
  fns = api.raw;
});

afterEach(async () => {
  await client.close();
  await sepm.close();
});

const serve = (key: string, file: string, status = 200) =>
  sepm.route(key, (_r, res) => sendJson(res, status, fixture(file)));

describe('samples decoded by the functions', () => {
  it('logs in with the token-only mock answer (no tokenExpiration → default lifetime)', async () => {
    const mock = fixture<{ token: string }>('auth_authenticate_response.mock.json');
    sepm.onLogin((_r, res) => {
      sepm.validTokens.add(mock.token);
      sendJson(res, 200, mock);
    });
    serve('GET /domains', 'domains_14.2.json');
    await fns.getDomains();
    await fns.getDomains();
    expect(sepm.requests[0]!.headers.authorization).toBe(`Bearer ${mock.token}`);
    expect(sepm.logins).toHaveLength(1);
  });

  it.each(['domains_14.2.json', 'domains.sepm14_3.json'])('get-domains: %s', async (file) => {
    serve('GET /domains', file);
    const out = await fns.getDomains({});
    expect(out.success).toBe(true);
    expect(out.content.map((d) => d.name)).toContain('Default');
  });

  it.each(['groups_page_14.2.json', 'groups_page_14.3ru6_raw.json', 'groups.sepm14_3.json'])(
    'get-groups: %s',
    async (file) => {
      serve('GET /groups', file);
      const out = await fns.getGroups({ domain: 'D', mode: 'tree' });
      const raw = fixture<SepmPage<{ fullPathName: string }>>(file);
      expect(out.content.content.map((g) => g.fullPathName)).toEqual(raw.content.map((g) => g.fullPathName));
      expect(out.content.content.every((g) => !g.createdBy || g.createdBy === g.createdBy.trim())).toBe(true);
      expect(sepm.requests[0]!.query.get('mode')).toBe('tree');
    },
  );

  it.each([
    'computers_page_14.2_two_clients.json',
    'computers_hostname.mock.json',
    'computers_non_compliant.mock.json',
    'computers_page_14.3ru6_sanitized.json',
    'computers_by_name.sepm14_3.integration_output.json',
  ])('get-computers: %s (annotated, UTC, matching ids over all pages)', async (file) => {
    serve('GET /computers', file);
    const page = await fns.getComputers({ computerName: 'WIN-*', matchingEndpointIds: true });
    const raw = fixture<SepmPage<{ uniqueId: string }>>(file);
    const content = page.content as SepmPage<Record<string, unknown>> & { endpoints_matching_ids: string[] };
    expect(content.endpoints_matching_ids).toEqual(raw.content.map((c) => c.uniqueId));
    expect(content.content[0]!.readableLastUpdateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(sepm.requests[0]!.query.get('computerName')).toBe('WIN-*');
    expect(sepm.requests[0]!.query.get('pageIndex')).toBe('1');
  });

  it('get-computers status summary = the oracle', async () => {
    serve('GET /computers', 'computers_non_compliant.mock.json');
    const out = await fns.getComputers({ status: true });
    expect(out.content as EndpointStatusSummary).toEqual(
      fixture('expected_endpoints_status_for_non_compliant_mock.json'),
    );
  });

  it('move-endpoint: BulkResponse, previous group recorded', async () => {
    serve('GET /computers', 'computers_hostname.mock.json');
    serve('PATCH /computers', 'computers_patch_move_response_14.2.json');
    const out = await fns.moveEndpoint({ groupId: 'G2', hardwareKey: 'HK1' });
    expect(out).toMatchObject({
      success: true,
      content: { results: [{ responseCode: '200', responseMessage: 'OK' }] },
    });
    expect(out.content.previousGroupId).toEqual(expect.any(String));
    const patch = sepm.requests.find((r) => r.method === 'PATCH')!;
    expect(JSON.parse(patch.body)).toEqual([{ group: { id: 'G2' }, hardwareKey: 'HK1' }]);
  });

  it.each(['command_queue_eoc_response_14.3ru8.json', 'command_queue_eoc_response_computer_and_group_14.2.json'])(
    'scan-endpoints: %s',
    async (file) => {
      serve('POST /command-queue/eoc', file);
      const out = await fns.scanEndpoints({
        computerIds: 'C1, C2',
        groupIds: 'G1',
        scanType: 'QUICK_SCAN',
        description: 'd',
        sha256: 'a'.repeat(64),
      });
      expect(out.content).toEqual(fixture(file));
      const req = sepm.requests[0]!;
      expect(req.query.getAll('computer_ids')).toEqual(['C1', 'C2']);
      expect(req.body).toContain(`<Hash name="SHA256" value="${'a'.repeat(64)}" />`);
    },
  );

  it.each(['command_queue_quarantine_response_14.2.json', 'quarantine_response.sepm14_3.json'])(
    'quarantine: %s',
    async (file) => {
      serve('POST /command-queue/quarantine', file);
      const out = await fns.quarantineEndpoints({ hardwareKeys: 'HK', undo: true });
      expect(out.content).toEqual(fixture(file));
      expect(sepm.requests[0]!.query.get('undo')).toBe('true');
      expect(sepm.requests[0]!.query.has('computer_ids')).toBe(false);
    },
  );

  it.each(['command_queue_files_response_14.2.json', 'command_queue_files_response_14.3ru8.json'])(
    'upload-file: %s',
    async (file) => {
      serve('POST /command-queue/files', file);
      const out = await fns.uploadFile({ filePath: 'C:\\a.exe', computerIds: 'C1', md5: 'b'.repeat(32) });
      expect(out.content).toEqual(fixture(file));
      expect(sepm.requests[0]!.query.get('source')).toBe('FILESYSTEM');
      expect(sepm.requests[0]!.query.has('sha256')).toBe(false);
    },
  );

  it('cancel-command', async () => {
    serve('POST /command-queue/CMD/cancel', 'cancel_command_response.sepm14_3.json');
    expect((await fns.cancelCommand({ commandId: 'CMD' })).content).toEqual(
      fixture('cancel_command_response.sepm14_3.json'),
    );
  });

  it.each([
    ['command_status_eoc_quickscan_14.2.json', 'scan', 'In progress'],
    ['command_status_eoc_remediate_14.2.json', 'remediation', 'Completed'],
    ['command_status_quarantine_pending_14.3ru8.json', 'quarantine', 'In progress'],
    ['command_status_quarantine_not_received.sepm14_3.integration_output.json', 'quarantine', 'In progress'],
    ['integration_output_command_status_prefilter_match.mock.json', 'remediation', 'Completed'],
    ['integration_output_command_status_prefilter_no_match.mock.json', 'scan', 'In progress'],
    ['integration_output_command_status_processed_scan.mock.json', 'scan', 'Completed'],
  ] as const)('get-command-status: %s', async (file, statusType, state) => {
    serve('GET /command-queue/CMD', file);
    const out = await fns.getCommandStatus({ commandId: 'CMD', statusType });
    expect(out.content.status.overall_command_state).toBe(state);
    expect(out.content.status.total_ep_count).toBe(fixture<SepmPage<unknown>>(file).content.length);
  });

  it('get-file-content: zip + XOR → base64 of the EICAR oracle', async () => {
    const b64 = fixture<{ content: string }>('file_content.sepm14_3.integration_output.json').content;
    const zip = zipSync({
      ['44D88612FEA8A8F36DE82E1278ABB02F']: Buffer.from(Buffer.from(b64, 'base64').map((b) => b ^ 0x55)),
      'metadata.xml': Buffer.from('<Metadata><File Key="85"/></Metadata>'),
    });
    sepm.route('GET /command-queue/file/A5E2/content', (_r, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(zip));
    });
    expect((await fns.getFileContent({ fileId: 'A5E2' })).content).toBe(b64);
  });

  it('get-critical-events: list cut to the results limit client-side', async () => {
    serve('GET /events/critical', 'events_critical_trimmed.json');
    const out = await fns.getCriticalEvents({ includeAcknowledged: true, resultsLimit: 3 });
    expect(out.content.criticalEventsInfoList).toHaveLength(3);
    expect(out.content.totalUnacknowledgedMessages).toBe(44);
    expect(sepm.requests[0]!.query.get('includeAcknowledged')).toBe('true');
  });

  it.each([
    ['GET /version', 'version_14.2.1031.0100.json'],
    ['GET /version', 'version_14.3.25029.9000.json'],
    ['GET /policies/exceptions/P', 'exceptions_policy.sepm14_3.json'],
  ])('generic request decodes %s (%s)', async (key, file) => {
    serve(key, file);
    await expect(client.request('GET', key.split(' ')[1]!)).resolves.toEqual(fixture(file));
  });

  it('policy summary decodes as a page with sort null', async () => {
    serve('GET /policies/summary', 'policy_summary.sepm14_3.subset.json');
    const all = await client.all('/policies/summary', { domainId: 'D' });
    expect(all.content).toHaveLength(3);
  });

  it('get-policy-summary: the 14.3 sample as a page, domainId and type sent as fn_sep did', async () => {
    serve('GET /policies/summary', 'policy_summary.sepm14_3.subset.json');
    serve('GET /policies/summary/fw', 'policy_summary.sepm14_3.subset.json');
    const all = await fns.getPolicySummary({ domainId: '6E70F043092E5BB93F74FD57C083F99E' });
    expect(all.success).toBe(true);
    expect(all.content.content.map((p) => p.policytype)).toEqual(['exceptions', 'fw', 'fw']);
    expect(all.content.content[0]!.assignedtolocations?.[0]?.groupId).toBe('52BBA2A9092E5BB94DC766C08B9D6354');
    expect(sepm.requests[0]!.query.get('domainId')).toBe('6E70F043092E5BB93F74FD57C083F99E');
    await fns.getPolicySummary({ policyType: 'fw' });
    expect(sepm.requests.at(-1)!.path).toMatch(/\/policies\/summary\/fw$/);
    // 14.3 answers 400 for msl: refused before any call.
    await expect(fns.getPolicySummary({ policyType: 'msl' as 'fw' })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_INPUT_INVALID,
    });
  });

  it('get-exceptions-policy / get-firewall-policy: the policy object, or exists: false on 410', async () => {
    serve('GET /policies/exceptions/523B0176092E5BB97F83814D1657F3A4', 'exceptions_policy.sepm14_3.json');
    const ex = await fns.getExceptionsPolicy({ policyId: '523b0176092e5bb97f83814d1657f3a4' });
    expect(ex).toEqual({
      success: true,
      content: { exists: true, policy: fixture('exceptions_policy.sepm14_3.json') },
    });
    serve(
      'GET /policies/firewall/7231E523092E5BB93F329A371754A877',
      'error_410_fingerprint_list_not_found_14.3ru8.json',
      410,
    );
    const fw = await fns.getFirewallPolicy({ policyId: '7231E523092E5BB93F329A371754A877' });
    expect(fw).toMatchObject({ success: true, content: { exists: false, error: { errorCode: '410' } } });
    expect(fw.reason).toContain('does not exist');
    await expect(api.getFirewallPolicy({ policyId: ' ' })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_INPUT_INVALID,
    });
  });

  it('the real 400 body becomes SEPM_BAD_REQUEST with its message', async () => {
    serve('GET /policies/summary/msl', 'error_400_policy_type_invalid_14.3.json', 400);
    await expect(client.request('GET', '/policies/summary/msl')).rejects.toMatchObject({
      code: ErrorCodes.SEPM_BAD_REQUEST,
      message: expect.stringContaining('The policy type argument is invalid.'),
    });
  });
});

describe('SepmApi.run (by name: the raw sep job and the CLI)', () => {
  it('validates before any HTTP call and dispatches by kebab-case name', async () => {
    serve('GET /domains', 'domains_14.2.json');
    await expect(api.run('scan-endpoints', { scanType: 'QUICK_SCAN' })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_INPUT_INVALID,
    });
    expect(sepm.logins).toHaveLength(0);
    expect(sepm.requests).toHaveLength(0);
    const out = await api.run('get-domains', undefined);
    expect(out.success).toBe(true);
  });

  it('refuses a name outside the function set as invalid input, without HTTP', async () => {
    const name: string = 'format-disk';
    await expect(api.run(name as 'get-domains', {})).rejects.toMatchObject({ code: ErrorCodes.SEPM_INPUT_INVALID });
    expect(sepm.requests).toHaveLength(0);
  });
});

describe('SepmApi methods (content, success=false is an error)', () => {
  it('answers the content of a successful result', async () => {
    serve('GET /domains', 'domains_14.2.json');
    const domains = await api.getDomains();
    expect(domains).toEqual((await fns.getDomains()).content);
    expect(domains.length).toBeGreaterThan(0);
  });

  it('turns success=false into SEPM_BAD_RESPONSE naming the function, not retried', async () => {
    sepm.route('GET /computers', (_r, res) => sendJson(res, 200, { content: [] }));
    sepm.route('PATCH /computers', (_r, res) => sendJson(res, 200, []));
    const err = await api.moveEndpoint({ groupId: 'G2', hardwareKey: 'HK1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCodes.SEPM_BAD_RESPONSE,
      retryable: false,
      details: { function: 'move-endpoint' },
    });
    expect((err as Error).message).toContain('move-endpoint failed: SEPM returned no per-item result');
  });

  it('validates typed input at run time too (every problem listed, no HTTP)', async () => {
    const err = await api
      .scanEndpoints({ scanType: 'QUICK_SCAN', description: ' ', sha256: 'x' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SEPM_INPUT_INVALID, details: { function: 'scan-endpoints' } });
    const paths = (err as { details: { problems: { path: string }[] } }).details.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['description', 'sha256', '(input)']));
    expect(sepm.requests).toHaveLength(0);
  });
});

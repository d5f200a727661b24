import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  completionNote,
  isPendingState,
  matchRowsForEntry,
  quarantineCommandState,
  queryRowResult,
  remediationStatus,
  uploadCells,
  type CommandStatusLike,
} from '../../../../src/enrich/rows/command-rows.ts';
import {
  criticalEventRow,
  endpointDetailsRow,
  endpointQuarantineStatus,
  fingerprintHashes,
  groupRow,
  statusSummaryRow,
} from '../../../../src/enrich/rows/table-rows.ts';
import { pollDelayMs } from '../../../../src/shared/backoff.ts';
import { isTimedOut, overallState } from '../../../../src/sepm/results/command-status.ts';
import { emptyScanResult } from '../../../../src/sepm/results/scan-result.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(`fixtures/sepm-api/${name}`, 'utf8')) as Record<string, unknown>;
const now = new Date('2026-01-02T03:04:05Z');

describe('command status → scan rows (docs/reference/sep-functions.md §7)', () => {
  const processed = fixture('integration_output_command_status_processed_scan.mock.json') as CommandStatusLike;
  const ctx = {
    artifactType: 'File Path',
    artifactValue: 'C:\\temp\\My_file_1.txt',
    artifactId: 9,
    scanType: 'QUICK',
    commandId: 'CMD1',
    state: 'Completed',
    now,
  };

  it('one row per full match with value + hashValue, humanised result, exact column names', () => {
    const rows = (processed.content ?? []).flatMap((e) => matchRowsForEntry(e, ctx));
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0]!).sort()).toEqual(
      [
        'artifact_id',
        'artifact_type',
        'artifact_value',
        'computer_id',
        'computer_name',
        'file_path',
        'hash_value',
        'query_execution_date',
        'scan_command_state',
        'scan_commandid',
        'scan_result',
        'scan_type',
      ].sort(),
    );
    expect(rows[0]).toMatchObject({
      computer_name: 'WIN-N5KGH4CP3N3',
      computer_id: '89AD1BBB0946C25D25E6C0984E971D8A',
      file_path: 'C:\\temp\\My_file_1.txt',
      hash_value: 'b82758fc5f737a58078d3c60e2798a70d895443a86aa39adf52dec70e98c2bed',
      scan_result: 'Full match',
      query_execution_date: '2026-01-02 03:04:05',
      artifact_id: 9,
    });
  });

  it('hash matches carry the IOC hash; entries without a scan result give no rows', () => {
    const entry = {
      computerName: 'A',
      computerId: 'ID',
      stateId: 3,
      scan_result: {
        ...emptyScanResult(),
        artifact_value: 'abc',
        HASH_MATCHES: [{ result: 'HASH_MATCH', value: 'C:\\a.exe' }],
      },
    };
    expect(matchRowsForEntry(entry, ctx)[0]).toMatchObject({
      hash_value: 'abc',
      file_path: 'C:\\a.exe',
      scan_result: 'Hash match',
    });
    expect(matchRowsForEntry({ stateId: 0 }, ctx)).toEqual([]);
  });

  it('query row result, overall state, completion note', () => {
    expect(queryRowResult('Completed', 0, false)).toBe('No match found');
    expect(queryRowResult('Completed', 3, false)).toBe('Query');
    expect(queryRowResult('Completed', 300, true)).toBe('Query: Matches over limit see note/attachment.');
    expect(queryRowResult('Timedout', 0, false)).toBe('Query');
    expect(completionNote(processed)).toBe('Completed on 3 of 4 endpoints');
    // One overall-state rule (docs/reference/sep-functions.md §5): the mixed case names the other states.
    expect(overallState([]).state).toBe('Waiting/Not received');
    expect(overallState([{ stateId: 3 }, { stateId: 1 }]).state).toBe('In progress');
    expect(overallState([{ stateId: 3 }, { stateId: 3 }]).state).toBe('Completed');
    expect(overallState([{ stateId: 3 }, { stateId: 6 }]).state).toBe('Completed on 1 of 2 endpoints (Error: 1)');
    expect(isPendingState('In progress')).toBe(true);
    expect(isPendingState('Timedout')).toBe(false);
  });
});

describe('remediation / upload / quarantine cells (docs/reference/sep-functions.md §7)', () => {
  it('remediation status', () => {
    const base = { overall_command_state: 'Completed' };
    expect(remediationStatus({ ...base, total_remediation_count: 2, total_fail_remediation_count: 0 }, now)).toBe(
      'Completed at 2026-01-02 03:04:05: 2 file(s) remediated',
    );
    expect(remediationStatus({ ...base, total_remediation_count: 0, total_fail_remediation_count: 0 }, now)).toBe(
      'No match found',
    );
    expect(remediationStatus({ ...base, total_remediation_count: 1, total_fail_remediation_count: 1 }, now)).toBe(
      'Failed',
    );
    expect(remediationStatus({ overall_command_state: 'In progress' }, now)).toBe('In progress');
  });

  it('upload status names the first entry state and takes binaryFileId at state 3', () => {
    const done = { overall_command_state: 'Completed', content: [{ stateId: 3, binaryFileId: 'F1' }] };
    expect(uploadCells(done)).toEqual({ file_upload_status: 'Completed', file_id: 'F1' });
    const failed = { overall_command_state: 'Completed', content: [{ stateId: 6, binaryFileId: null }] };
    expect(uploadCells({ ...failed, overall_command_state: 'Completed' })).toEqual({
      file_upload_status: 'Failed',
      file_id: '',
    });
    expect(uploadCells({ overall_command_state: 'In progress', content: [{ stateId: 1 }] })).toEqual({
      file_upload_status: 'In progress',
      file_id: '',
    });
  });

  it('quarantine command state', () => {
    expect(quarantineCommandState({ overall_command_state: 'Completed', content: [{ stateId: 3 }] })).toBe('Completed');
    expect(quarantineCommandState({ overall_command_state: 'In progress', content: [{ stateId: 0 }] })).toBe(
      'In progress',
    );
  });
});

describe('SEPM records → table rows (docs/reference/sep-functions.md §6)', () => {
  const page = fixture('computers_page_14.3ru6_sanitized.json') as { content: Record<string, unknown>[] };
  const computer = page.content[0]!;

  it('endpoint details row has exactly the §6 columns', () => {
    const row = endpointDetailsRow(computer, 'Endpoint details for System Name', now);
    expect(Object.keys(row).sort()).toEqual(
      [
        'computerName',
        'sep_description',
        'endpoint_quarantine_status',
        'hardwareKey',
        'infected',
        'ipAddresses',
        'operatingSystem',
        'quarantine_command_state',
        'query_execution_date',
        'uniqueId',
        'domain_id',
        'domain_name',
        'group_id',
        'group_name',
        'quarantine_commandid',
      ].sort(),
    );
    expect(row).toMatchObject({ infected: 'No', domain_name: 'Default', group_name: 'My Company' });
    expect(String(row.ipAddresses)).toContain(', ');
  });

  it('quarantine status: Windows only, passed = un-quarantined, quarantined text or status 1 = quarantined', () => {
    const win = { osName: 'Windows 10' };
    expect(endpointQuarantineStatus({ ...win, quarantineDesc: 'Host Integrity check passed\n ok' })).toBe(
      'Un-Quarantined',
    );
    expect(endpointQuarantineStatus({ ...win, quarantineDesc: 'Client is quarantined by the administrator.' })).toBe(
      'Quarantined',
    );
    expect(endpointQuarantineStatus({ ...win, quarantineDesc: 'x', quarantineStatus: 1 })).toBe('Quarantined');
    expect(endpointQuarantineStatus({ ...win, quarantineDesc: 'Host Integrity check is disabled.' })).toBe(
      'Un-Quarantined',
    );
    expect(endpointQuarantineStatus({ osName: 'Ubuntu', quarantineDesc: 'quarantined' })).toBe('');
  });

  it('fingerprint hashes from v1 strings and v2 objects, upper-case and unique', () => {
    const v2 = fixture('fingerprint_list_v2_data_format.subset.json');
    const hashes = fingerprintHashes(v2);
    expect(hashes.length).toBeGreaterThan(0);
    expect(hashes.every((h) => h === h.toUpperCase())).toBe(true);
    expect(fingerprintHashes({ data: ['ab', 'AB', { MD5: 'cd', SHA256: 'ef' }] })).toEqual(['AB', 'CD', 'EF']);
  });

  it('groups, summary and critical events', () => {
    const g = groupRow(
      {
        id: 'G',
        name: 'DMZ',
        fullPathName: 'My Company\\DMZ',
        policyInheritanceEnabled: false,
        domain: { id: 'D', name: 'Default' },
      },
      now,
    );
    expect(g).toMatchObject({
      group_id: 'G',
      fullPathName: 'My Company\\DMZ',
      policyInheritanceEnabled: false,
      domain_name: 'Default',
    });
    expect(statusSummaryRow({ total: 2, disabled: 1 }, now)).toMatchObject({ total: 2, disabled: 1, offline: 0 });
    const events = fixture('events_critical_trimmed.json') as { criticalEventsInfoList: Record<string, unknown>[] };
    const ev = criticalEventRow(events.criticalEventsInfoList[0]!);
    expect(ev).toMatchObject({ event_id: 'C73763EF092E5BB9462D7353C645BC2C', event_date: '2024-06-26 14:02:38.0' });
    expect(ev.date_added).toBe(Date.parse('2024-06-26T14:02:38Z'));
    expect(typeof ev.acknowledged).toBe('boolean');
  });
});

describe('poll backoff', () => {
  const s = { pollIntervalSec: 10, pollMaxIntervalSec: 120, scanTimeoutSec: 1800 };
  it('doubles from pollIntervalSec up to pollMaxIntervalSec', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => pollDelayMs(a, s))).toEqual([
      10_000, 20_000, 40_000, 80_000, 120_000, 120_000,
    ]);
  });
  it('times out after scanTimeoutSec', () => {
    expect(isTimedOut(0, 1_799_999, s)).toBe(false);
    expect(isTimedOut(0, 1_800_000, s)).toBe(true);
  });
});

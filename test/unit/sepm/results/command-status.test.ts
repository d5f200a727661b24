import { describe, expect, it } from 'vitest';
import {
  overallState,
  parseScanDateUtc,
  processCommandStatus,
  TIMED_OUT,
  type CommandStatusOptions,
} from '../../../../src/sepm/results/command-status.ts';
import { parseScanResult } from '../../../../src/sepm/results/scan-result.ts';
import type { CommandStatusEntry, SepmPage } from '../../../../src/sepm/functions/types.ts';
import { fixture } from '../../../helpers/fake-sepm.ts';
import { parseCsv } from '../../../helpers/csv-reader.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const remediatePage = () => fixture<SepmPage<CommandStatusEntry>>('command_status_eoc_remediate_14.2.json');
const quickPage = () => fixture<SepmPage<CommandStatusEntry>>('command_status_eoc_quickscan_14.2.json');

function opts(o: Partial<CommandStatusOptions> = {}): CommandStatusOptions {
  return { commandId: 'CMD1', statusType: 'scan', scanTimeoutSec: 1800, resultsLimit: 200, nowMs: NOW, ...o };
}

function xmlWith(matches: string[], hash = '<Hash name="SHA256" value="AB"/>', name = 'C:\\t\\a.exe'): string {
  return `<EOC><Activity><OS><Files><File name="${name}" action="create">${hash}${matches.join('')}</File></Files></OS></Activity></EOC>`;
}

describe('resultInXML parsing (docs/reference/sep-functions.md §5)', () => {
  it('scan mode on the remediation sample: 10 matches after dedup, 9 failed remediations', () => {
    const r = parseScanResult(remediatePage().content[0]!.resultInXML, false);
    expect(r).toMatchObject({ MATCH: true, match_count: 10, remediation_count: 0, fail_remediation_count: 9 });
    expect(r.HASH_MATCHES).toHaveLength(9);
    expect(r.FULL_MATCHES).toHaveLength(1);
    expect(r.artifact_type).toBe('SHA256 hash');
    expect(r.artifact_value).toBe('bfe4fd780b47e8d4e5661d4c3881d114e8631e84a686e3bb8aad85d4af20454a');
    expect(r.HASH_MATCHES[0]!.value).toBe(
      'C:\\$Recycle.Bin\\S-1-5-21-3046121036-4288610245-94028597-500\\$REPUASN.exe',
    );
  });

  it('remediation mode on the same sample: no successful remediation, 9 failures', () => {
    const r = parseScanResult(remediatePage().content[0]!.resultInXML, true);
    expect(r).toMatchObject({ MATCH: false, match_count: 0, remediation_count: 0, fail_remediation_count: 9 });
    expect(r.remediate_artifact_value).toBe('C:\\temp\\where_copy.exe');
  });

  it('NO_MATCH results count nothing', () => {
    const entry = quickPage().content.find((e) => e.stateId === 3)!;
    expect(parseScanResult(entry.resultInXML, false)).toMatchObject({ MATCH: false, match_count: 0 });
  });

  it('full matches take the file path as artifact ("File Path" with a separator, else "File Name")', () => {
    const full = '<Matched result="FULL_MATCH" value="C:\\x\\a.exe" hashType="SHA256" hashValue="AB"/>';
    expect(parseScanResult(xmlWith([full], ''), false)).toMatchObject({
      artifact_type: 'File Path',
      artifact_value: 'C:\\t\\a.exe',
    });
    expect(parseScanResult(xmlWith([full], '', 'a.exe'), false)).toMatchObject({ artifact_type: 'File Name' });
  });

  it('does not expand entities or DTDs but decodes the predefined ones', () => {
    const xml =
      '<!DOCTYPE EOC [<!ENTITY x "EXPANDED">]>' +
      xmlWith(['<Matched result="FULL_MATCH" value="C:\\a&amp;b\\&x;.exe" hashType="SHA256"/>'], '');
    const r = parseScanResult(xml, false);
    expect(r.FULL_MATCHES[0]!.value).toBe('C:\\a&b\\&x;.exe');
  });
});

describe('overall state', () => {
  it('aggregates over every entry, not the first one', () => {
    const e = (stateId: number) => ({ stateId }) as CommandStatusEntry;
    expect(overallState([]).state).toBe('Waiting/Not received');
    expect(overallState([e(3), e(0)]).state).toBe('In progress');
    expect(overallState([e(0), e(3)]).state).toBe('In progress');
    expect(overallState([e(3), e(3)]).state).toBe('Completed');
    expect(overallState([e(5), e(5)]).state).toBe('Canceled');
    const mixed = overallState([e(3), e(4), e(3), e(6)]);
    expect(mixed.state).toBe('Completed on 2 of 4 endpoints (Rejected: 1, Error: 1)');
    expect(mixed.counts).toEqual({ Completed: 2, Rejected: 1, Error: 1 });
  });

  it('reports "Timedout" once the scan date (UTC) is older than the timeout and the command is not done', () => {
    const page = quickPage();
    const issued = '2026-01-01 11:29:59';
    expect(processCommandStatus(page, opts({ scanDate: issued })).status.overall_command_state).toBe(TIMED_OUT);
    expect(processCommandStatus(page, opts({ scanDate: '2026-01-01 11:45:00' })).status.overall_command_state).toBe(
      'In progress',
    );
    expect(parseScanDateUtc('2026-01-01 11:29:59')).toBe(Date.parse('2026-01-01T11:29:59Z'));
    const done = remediatePage();
    expect(processCommandStatus(done, opts({ scanDate: issued })).status.overall_command_state).toBe('Completed');
  });
});

describe('processCommandStatus', () => {
  it('counts the quick-scan sample: 4 endpoints, 1 not completed, no matches, per-entry state names', () => {
    const out = processCommandStatus(quickPage(), opts());
    expect(out.status).toMatchObject({
      total_ep_count: 4,
      total_not_completed: 1,
      total_match_count: 0,
      total_match_ep_count: 0,
      overall_command_state: 'In progress',
    });
    expect(out.status.content.map((e) => e.state)).toEqual([
      'Waiting/Not received',
      'Completed',
      'Completed',
      'Completed',
    ]);
    expect(out.csv).toBeUndefined();
  });

  it('matches the 14.3 quarantine-not-received integration output keys', () => {
    const expected = fixture<Record<string, unknown>>(
      'command_status_quarantine_not_received.sepm14_3.integration_output.json',
    );
    const { overall_command_state: _s, total_ep_count: _t, ...rest } = expected;
    const raw = Object.fromEntries(
      Object.entries(rest).filter(([k]) => !k.startsWith('total_') && !k.endsWith('_value')),
    );
    const out = processCommandStatus(
      raw as unknown as SepmPage<CommandStatusEntry>,
      opts({ statusType: 'quarantine' }),
    );
    for (const key of Object.keys(expected).filter((k) => k.startsWith('total_') || k.endsWith('artifact_value'))) {
      expect((out.status as unknown as Record<string, unknown>)[key], key).toEqual(expected[key]);
    }
    expect(out.status.overall_command_state).toBe(expected.overall_command_state);
  });

  it('returns only endpoints with matches as matching ids (not every entry)', () => {
    const page = quickPage();
    const hit = '<Matched result="HASH_MATCH" value="C:\\a.exe" hashType="SHA256"/>';
    page.content[1]!.resultInXML = xmlWith([hit]);
    const out = processCommandStatus(page, opts({ matchingEndpointIds: true }));
    expect(out.endpoints_matching_ids).toEqual([page.content[1]!.computerId]);
  });

  it('truncates at the results limit over the combined match list and keeps every match for the CSV', () => {
    const page = quickPage();
    const matches = (n: number, p: string) =>
      Array.from(
        { length: n },
        (_, i) => `<Matched result="HASH_MATCH" value="C:\\${p}${i},x.exe" hashType="SHA256"/>`,
      );
    page.content[1]!.resultInXML = xmlWith(matches(3, 'a'));
    page.content[2]!.resultInXML = xmlWith(matches(4, 'b'));
    page.content[3]!.resultInXML = xmlWith(matches(2, 'c'));
    const out = processCommandStatus(page, opts({ resultsLimit: 5 }));
    expect(out.status).toMatchObject({ total_match_count: 9, scan_eoc_hits_over_limit: true, truncated_count: 5 });
    const kept = out.status.content;
    expect(kept).toHaveLength(3); // the pending entry, a (3), b cut to 2; c dropped
    expect(kept[2]!.scan_result!.match_count).toBe(2);
    expect(kept[2]!.scan_result!.HASH_MATCHES).toHaveLength(2);
    expect(out.csv!.name).toMatch(/^EOC_scan_results_for_commandid_CMD1_20260101120000\.csv$/);
    expect(out.status.att_name).toBe(out.csv!.name);
    const rows = parseCsv(out.csv!.content);
    expect(rows[0]![0]).toBe("Eoc scan results of artifact 'AB' for commandid 'CMD1'.");
    expect(rows[1]).toEqual([
      'Computer name',
      'Computer id',
      'Artifact type',
      'Artifact value',
      'File path',
      'Hash value',
    ]);
    expect(rows).toHaveLength(2 + 9);
    expect(rows[2]).toEqual([
      page.content[1]!.computerName,
      page.content[1]!.computerId,
      'SHA256 hash',
      'AB',
      'C:\\a0,x.exe',
      'AB',
    ]);
  });

  it('builds the remediation CSV when remediations succeeded', () => {
    const page = remediatePage();
    const ok = '<Matched result="HASH_MATCH" value="C:\\q,1.exe" remediation="SUCCEEDED" hashType="SHA256"/>';
    page.content[0]!.resultInXML = xmlWith([ok]);
    const out = processCommandStatus(page, opts({ statusType: 'remediation' }));
    expect(out.status).toMatchObject({
      total_remediation_count: 1,
      total_remediation_ep_count: 1,
      remediate_artifact_value: 'C:\\t\\a.exe',
    });
    const rows = parseCsv(out.csv!.content);
    expect(out.csv!.name).toMatch(/^Remediation_results_for_commandid_CMD1_\d{14}\.csv$/);
    expect(rows[0]![0]).toBe("Result for remediation of hash AB and path 'C:\\t\\a.exe' for commandid 'CMD1'.");
    expect(rows[1]).toEqual(['Computer name', 'Hash type', 'Hash value', 'File Path']);
    expect(rows[2]).toEqual(['WIN-N5KGH4CP3N3', 'SHA256 hash', 'AB', 'C:\\q,1.exe']);
  });

  it('upload and quarantine statuses keep entries (binaryFileId) without parsing XML', () => {
    const page = quickPage();
    page.content[1]!.binaryFileId = 'FILE1';
    const out = processCommandStatus(page, opts({ statusType: 'upload' }));
    expect(out.status.content[1]!.binaryFileId).toBe('FILE1');
    expect(out.status.content[1]!.scan_result).toBeUndefined();
  });
});

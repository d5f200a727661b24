import { describe, expect, it } from 'vitest';
import { StatusAccumulator, type CommandStatusType } from '../../../../src/sepm/results/status-accumulator.ts';
import { processCommandStatus } from '../../../../src/sepm/results/command-status.ts';
import type { CommandStatusEntry, SepmPage } from '../../../../src/sepm/functions/types.ts';
import { fixture } from '../../../helpers/fake-sepm.ts';

/** The one command-status accumulator: feeding page by page gives exactly what feeding everything at once gives. */

const HASH = 'cd'.repeat(32);

function xml(i: number, matches: number, remediation?: 'SUCCEEDED' | 'FAILED'): string {
  const attr = remediation ? ` remediation="${remediation}"` : '';
  const matched = Array.from(
    { length: matches },
    (_, k) => `<Matched result="HASH_MATCH" value="C:\\d${i}\\f${k}.exe" hashType="SHA256"${attr}/>`,
  ).join('');
  return `<EOC><Activity><OS><Files><File name="C:\\x.exe" action="create"><Hash name="SHA256" value="${HASH}"/>${matched}</File></Files></OS></Activity></EOC>`;
}

/** 300 entries over the states, matches spread (every 7th endpoint, 1–4 matches), some failed remediations. */
function estate(remediation = false): CommandStatusEntry[] {
  const states = [3, 3, 3, 0, 3, 4, 3, 2, 3, 6, 5, 3];
  return Array.from({ length: 300 }, (_, i) => {
    const stateId = states[i % states.length]!;
    const matches = i % 7 === 0 ? (i % 4) + 1 : 0;
    const how = remediation ? (i % 3 === 0 ? 'FAILED' : 'SUCCEEDED') : undefined;
    return {
      computerName: `PC${i}`,
      computerId: `ID${String(i).padStart(4, '0')}`,
      stateId,
      resultInXML: stateId === 3 ? xml(i, matches, how) : null,
    };
  });
}

function run(entries: CommandStatusEntry[], pageSize: number, statusType: CommandStatusType, limit: number) {
  const acc = new StatusAccumulator({ statusType, resultsLimit: limit, keep: 'full' });
  let csv = '';
  for (let i = 0; i < entries.length; i += pageSize) csv += acc.add(entries.slice(i, i + pageSize));
  return {
    totals: acc.totals(),
    entries: acc.entries(),
    ids: acc.matchingIds(),
    over: acc.overLimit(),
    wanted: acc.csvWanted(),
    csv: acc.csvHead('CMD') + csv,
  };
}

describe('StatusAccumulator', () => {
  for (const statusType of ['scan', 'remediation', 'quarantine'] as const) {
    it(`${statusType}: page by page (1, 7, 20, 299) equals all at once`, () => {
      const entries = estate(statusType === 'remediation');
      const whole = run(entries, entries.length, statusType, 25);
      for (const size of [1, 7, 20, 299]) expect(run(entries, size, statusType, 25)).toEqual(whole);
    });
  }

  it('scan: one limit over all pages, every match in the CSV, overall state names the other states', () => {
    const r = run(estate(), 20, 'scan', 25);
    const lines = r.csv.trim().split('\n');
    expect(r.totals.total_match_count).toBeGreaterThan(25);
    expect(lines).toHaveLength(2 + r.totals.total_match_count);
    expect(r.entries.reduce((n, e) => n + (e.scan_result?.match_count ?? 0), 0)).toBe(25);
    expect(r.over && r.wanted).toBe(true);
    expect(r.totals.overall_command_state).toBe('In progress');
    const done = run(
      estate().filter((e) => e.stateId !== 0 && e.stateId !== 2),
      20,
      'scan',
      25,
    );
    expect(done.totals.overall_command_state).toMatch(
      /^Completed on \d+ of \d+ endpoints \(Rejected: \d+, Error: \d+, Canceled: \d+\)$/,
    );
  });

  it('matches mode keeps only matched entries, cut at the limit, with the same totals as full mode', () => {
    const entries = estate();
    const lean = new StatusAccumulator({ statusType: 'scan', resultsLimit: 25, keep: 'matches' });
    for (let i = 0; i < entries.length; i += 20) lean.add(entries.slice(i, i + 20));
    const full = run(entries, 300, 'scan', 25);
    expect(lean.totals()).toEqual(full.totals);
    expect(lean.entries().every((e) => (e.scan_result?.match_count ?? 0) > 0 && e.resultInXML === undefined)).toBe(
      true,
    );
    expect(lean.entries().map((e) => e.scan_result)).toEqual(
      full.entries.filter((e) => (e.scan_result?.match_count ?? 0) > 0).map((e) => e.scan_result),
    );
  });

  it('timeout and an incomplete read', () => {
    const acc = new StatusAccumulator({ statusType: 'quarantine', resultsLimit: 10, keep: 'matches' });
    acc.add([{ stateId: 3 }]);
    expect(acc.state()).toBe('Completed');
    acc.markIncomplete();
    expect(acc.state()).toBe('In progress');
    expect(acc.state({ issuedAtMs: 0, nowMs: 1_800_000, scanTimeoutSec: 1800 })).toBe('Timedout');
    expect(acc.state({ issuedAtMs: 1, nowMs: 1_800_000, scanTimeoutSec: 1800 })).toBe('In progress');
  });

  it('the raw get-command-status output is the accumulator over the merged page', () => {
    const page = fixture<SepmPage<CommandStatusEntry>>('command_status_eoc_quickscan_14.2.json');
    page.content = estate();
    const nowMs = Date.parse('2026-01-01T12:00:00Z');
    const opts = { commandId: 'CMD', statusType: 'scan' as const, scanTimeoutSec: 1800, resultsLimit: 25, nowMs };
    const out = processCommandStatus(page, { ...opts, matchingEndpointIds: true });
    const r = run(page.content, 13, 'scan', 25);
    expect(out.csv!.content).toBe(r.csv);
    expect(out.endpoints_matching_ids).toEqual(r.ids);
    expect(out.status.content).toEqual(r.entries);
    expect(out.status).toMatchObject({ ...r.totals, scan_eoc_hits_over_limit: true, truncated_count: 25 });
  });
});

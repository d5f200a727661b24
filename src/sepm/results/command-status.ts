import { buildRemediationCsv, buildScanCsv } from './csv.ts';
import { allMatches, parseScanResult } from './scan-result.ts';
import type {
  CommandStatusEntry,
  CommandStatusPage,
  CommandStatusTotals,
  GetCommandStatusOutput,
  ProcessedCommandEntry,
  ScanResult,
  SepmPage,
} from '../functions/types.ts';

/**
 * Pure post-processing of GET /command-queue/{id} over ALL pages (docs/reference/sep-functions.md §5 Command status processing): per-entry state names,
 * scan results from resultInXML, counters, the overall state aggregated over every endpoint, the timeout rule,
 * matching ids, truncation at the results limit and the CSV attachments.
 */

export const COMMAND_STATES: Record<number, string> = {
  0: 'Waiting/Not received',
  1: 'Received',
  2: 'In progress',
  3: 'Completed',
  4: 'Rejected',
  5: 'Canceled',
  6: 'Error',
};

/**
 * The timeout state, one spelling everywhere: sep-functions.md §5.1 calls the state "Timeout" but the data-table
 * tooltip and rules spell it "Timedout", and the spec says to take "Timedout".
 */
export const TIMED_OUT = 'Timedout';
export const IN_PROGRESS = 'In progress';
export const COMPLETED = 'Completed';
export const WAITING = 'Waiting/Not received';

const TERMINAL = new Set([3, 4, 5, 6]);

export type CommandStatusType = 'scan' | 'remediation' | 'upload' | 'quarantine';

export interface CommandStatusOptions {
  commandId: string;
  statusType: CommandStatusType;
  /** `YYYY-MM-DD HH:MM:SS` (UTC) or ISO-8601: when the command was issued. */
  scanDate?: string | undefined;
  scanTimeoutSec: number;
  resultsLimit: number;
  matchingEndpointIds?: boolean | undefined;
  nowMs: number;
}

/** True when a command issued at `startedAtMs` has run out of time at `nowMs` (scanTimeoutSec, seconds). */
export function isTimedOut(startedAtMs: number, nowMs: number, s: { scanTimeoutSec: number }): boolean {
  return nowMs - startedAtMs >= s.scanTimeoutSec * 1000;
}

export function stateName(stateId: number): string {
  return COMMAND_STATES[stateId] ?? `Unknown state ${stateId}`;
}

/** Parses the scan date as UTC (the original used the host's local zone); undefined when unreadable. */
export function parseScanDateUtc(value: string): number | undefined {
  const iso = value.trim().replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Overall state over all entries (not the first one only) plus per-state counts. */
export function overallState(entries: readonly CommandStatusEntry[]): {
  state: string;
  counts: Record<string, number>;
} {
  const counts: Record<string, number> = {};
  for (const e of entries) counts[stateName(e.stateId)] = (counts[stateName(e.stateId)] ?? 0) + 1;
  if (entries.length === 0) return { state: WAITING, counts };
  if (entries.some((e) => !TERMINAL.has(e.stateId))) return { state: IN_PROGRESS, counts };
  const done = entries.filter((e) => e.stateId === 3).length;
  if (done === entries.length) return { state: COMPLETED, counts };
  const names = Object.keys(counts);
  if (names.length === 1) return { state: names[0] as string, counts };
  const others = names.filter((n) => n !== COMPLETED).map((n) => `${n}: ${counts[n]}`);
  return { state: `Completed on ${done} of ${entries.length} endpoints (${others.join(', ')})`, counts };
}

function initialTotals(entries: readonly CommandStatusEntry[]): CommandStatusTotals {
  return {
    overall_command_state: WAITING,
    total_ep_count: entries.length,
    total_not_completed: 0,
    total_match_count: 0,
    total_match_ep_count: 0,
    total_remediation_count: 0,
    total_fail_remediation_count: 0,
    total_remediation_ep_count: 0,
    scan_artifact_value: '',
    remediate_artifact_value: '',
    state_counts: {},
  };
}

function addScanTotals(t: CommandStatusTotals, r: ScanResult): void {
  t.total_match_count += r.match_count;
  t.total_remediation_count += r.remediation_count;
  t.total_fail_remediation_count += r.fail_remediation_count;
  if (r.match_count > 0) {
    t.total_match_ep_count++;
    if (t.scan_artifact_value === '') t.scan_artifact_value = r.artifact_value;
  }
  if (r.remediation_count > 0) {
    t.total_remediation_ep_count++;
    if (t.remediate_artifact_value === '') t.remediate_artifact_value = r.remediate_artifact_value;
  }
}

/** Keeps at most `limit` matches over all entries; entries after the cut are dropped. */
export function truncateMatches(entries: readonly ProcessedCommandEntry[], limit: number): ProcessedCommandEntry[] {
  const out: ProcessedCommandEntry[] = [];
  let running = 0;
  for (const e of entries) {
    const r = e.scan_result;
    if (!r) {
      out.push(e);
      continue;
    }
    if (running + r.match_count <= limit) {
      out.push(e);
      running += r.match_count;
      continue;
    }
    const keep = new Set(allMatches(r).slice(0, limit - running));
    const cut: ScanResult = {
      ...r,
      FULL_MATCHES: r.FULL_MATCHES.filter((m) => keep.has(m)),
      PARTIAL_MATCHES: r.PARTIAL_MATCHES.filter((m) => keep.has(m)),
      HASH_MATCHES: r.HASH_MATCHES.filter((m) => keep.has(m)),
      match_count: keep.size,
    };
    out.push({ ...e, scan_result: cut });
    break;
  }
  return out;
}

export function processCommandStatus(
  page: SepmPage<CommandStatusEntry>,
  opts: CommandStatusOptions,
): GetCommandStatusOutput {
  const scanLike = opts.statusType === 'scan' || opts.statusType === 'remediation';
  const totals = initialTotals(page.content);
  const entries: ProcessedCommandEntry[] = page.content.map((e) => {
    const out: ProcessedCommandEntry = { ...e, state: stateName(e.stateId) };
    if (e.stateId !== 3) {
      totals.total_not_completed++;
    } else if (scanLike) {
      out.scan_result = parseScanResult(e.resultInXML, opts.statusType === 'remediation');
      addScanTotals(totals, out.scan_result);
    }
    return out;
  });
  const overall = overallState(page.content);
  totals.overall_command_state = overall.state;
  totals.state_counts = overall.counts;
  if (overall.state === IN_PROGRESS || overall.state === WAITING) {
    const issued = opts.scanDate ? parseScanDateUtc(opts.scanDate) : undefined;
    if (issued !== undefined && isTimedOut(issued, opts.nowMs, opts)) {
      totals.overall_command_state = TIMED_OUT;
    }
  }
  const at = new Date(opts.nowMs);
  const result: GetCommandStatusOutput = { status: { ...page, ...totals, content: entries } as CommandStatusPage };
  if (opts.statusType === 'remediation' && totals.total_remediation_count > 0) {
    result.csv = buildRemediationCsv(opts.commandId, entries, totals.remediate_artifact_value, at);
    result.status.att_name = result.csv.name;
  }
  if (opts.statusType !== 'scan') return result;
  if (opts.matchingEndpointIds) {
    result.endpoints_matching_ids = entries
      .filter((e) => (e.scan_result?.match_count ?? 0) > 0 && e.computerId)
      .map((e) => e.computerId as string);
  }
  if (totals.total_match_count > opts.resultsLimit) {
    result.csv = buildScanCsv(opts.commandId, entries, totals.scan_artifact_value, at);
    result.status = {
      ...result.status,
      content: truncateMatches(entries, opts.resultsLimit),
      scan_eoc_hits_over_limit: true,
      att_name: result.csv.name,
      truncated_count: opts.resultsLimit,
    };
  }
  return result;
}

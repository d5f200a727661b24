import { stringify } from 'csv-stringify/sync';
import { CSV_OPTIONS, csvTimestamp } from './csv.ts';
import { allMatches, parseScanResult } from './scan-result.ts';
import type { CommandStatusEntry, CommandStatusTotals, ProcessedCommandEntry, ScanResult } from '../functions/types.ts';

/**
 * The one command-status accumulator (docs/reference/sep-functions.md §5 Command status processing): pages of
 * GET /command-queue/{id} are fed in order, and the counters, overall state, kept entries (cut at the results
 * limit), matching ids and CSV lines can be read at any time. Pure: the caller decides where CSV lines go (into
 * memory for the raw `get-command-status`, into a temp file for the streaming tracker), so feeding page by page
 * gives the same result as feeding everything at once.
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
 * The timeout state, one spelling everywhere: sep-functions.md §5 calls the state "Timeout" but the data-table
 * tooltip and rules spell it "Timedout", and the spec says to take "Timedout".
 */
export const TIMED_OUT = 'Timedout';
export const IN_PROGRESS = 'In progress';
export const COMPLETED = 'Completed';
export const WAITING = 'Waiting/Not received';

export type CommandStatusType = 'scan' | 'remediation' | 'upload' | 'quarantine';

export function stateName(stateId: number | null | undefined): string {
  return COMMAND_STATES[stateId ?? 0] ?? `Unknown state ${String(stateId)}`;
}

export function isTerminalState(stateId: number | null | undefined): boolean {
  return typeof stateId === 'number' && stateId >= 3 && stateId <= 6;
}

/** Overall state from per-state counts (insertion order = entry order) and the number of pending entries. */
export function overallFromCounts(counts: Record<string, number>, total: number, pending: number): string {
  if (total === 0) return WAITING;
  if (pending > 0) return IN_PROGRESS;
  const done = counts[COMPLETED] ?? 0;
  if (done === total) return COMPLETED;
  const names = Object.keys(counts);
  if (names.length === 1) return names[0] as string;
  const others = names.filter((n) => n !== COMPLETED).map((n) => `${n}: ${counts[n]}`);
  return `Completed on ${done} of ${total} endpoints (${others.join(', ')})`;
}

export interface AccumulatorOptions {
  statusType: CommandStatusType;
  resultsLimit: number;
  /**
   * `full`: keep every processed entry up to the cut (the raw function returns them). `matches`: keep only the
   * identity and the kept matches of entries with matches, so memory is bounded by the results limit (tracker).
   */
  keep: 'full' | 'matches';
}

/** The first `room` matches of a result (full, partial, hash order), as a result of its own. */
export function cutMatches(r: ScanResult, room: number): ScanResult {
  const keep = new Set(allMatches(r).slice(0, Math.max(0, room)));
  return {
    ...r,
    FULL_MATCHES: r.FULL_MATCHES.filter((m) => keep.has(m)),
    PARTIAL_MATCHES: r.PARTIAL_MATCHES.filter((m) => keep.has(m)),
    HASH_MATCHES: r.HASH_MATCHES.filter((m) => keep.has(m)),
    match_count: keep.size,
  };
}

function scanCsvRows(e: CommandStatusEntry, r: ScanResult): string[][] {
  const name = e.computerName ?? '';
  const id = e.computerId ?? '';
  if (r.artifact_type.includes('File')) {
    return [...r.FULL_MATCHES, ...r.PARTIAL_MATCHES].map((m) => [
      name,
      id,
      r.artifact_type,
      r.artifact_value,
      m.value ?? '',
      m.hashValue ?? '',
    ]);
  }
  return r.HASH_MATCHES.map((m) => [name, id, r.artifact_type, r.artifact_value, m.value ?? '', r.artifact_value]);
}

function remediationCsvRows(e: CommandStatusEntry, r: ScanResult): string[][] {
  return r.HASH_MATCHES.map((m) => [e.computerName ?? '', r.artifact_type, r.artifact_value, m.value ?? '']);
}

function emptyTotals(): CommandStatusTotals {
  return {
    overall_command_state: WAITING,
    total_ep_count: 0,
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

export class StatusAccumulator {
  readonly opts: AccumulatorOptions;
  private readonly t: CommandStatusTotals = emptyTotals();
  private readonly kept: ProcessedCommandEntry[] = [];
  private readonly matching: string[] = [];
  private pending = 0;
  private keptMatches = 0;
  private cut = false;
  private incomplete = false;
  /** First hash of a successful remediation: the remediation CSV title names it. */
  private remediatedHash = '';
  private csvLines = 0;

  constructor(opts: AccumulatorOptions) {
    this.opts = opts;
  }

  /** Feeds one page of entries; returns the CSV lines (already quoted) these entries add, '' when none. */
  add(entries: readonly CommandStatusEntry[]): string {
    const rows: string[][] = [];
    for (const e of entries) this.addEntry(e, rows);
    this.csvLines += rows.length;
    return rows.length > 0 ? stringify(rows, CSV_OPTIONS) : '';
  }

  /** The reader stopped before the last page (a pending entry): the command is not over, whatever was read. */
  markIncomplete(): void {
    this.incomplete = true;
  }

  private addEntry(e: CommandStatusEntry, rows: string[][]): void {
    const t = this.t;
    const name = stateName(e.stateId);
    t.total_ep_count++;
    t.state_counts[name] = (t.state_counts[name] ?? 0) + 1;
    if (!isTerminalState(e.stateId)) this.pending++;
    const scanLike = this.opts.statusType === 'scan' || this.opts.statusType === 'remediation';
    if (e.stateId !== 3) {
      t.total_not_completed++;
      this.keep(e, name, undefined);
      return;
    }
    if (!scanLike) {
      this.keep(e, name, undefined);
      return;
    }
    const r = parseScanResult(e.resultInXML, this.opts.statusType === 'remediation');
    this.addTotals(r);
    if (this.opts.statusType === 'scan') {
      if (r.match_count > 0 && e.computerId) this.matching.push(e.computerId);
      if (r.MATCH) rows.push(...scanCsvRows(e, r));
    } else if (r.remediation_count > 0) {
      if (this.remediatedHash === '') this.remediatedHash = r.artifact_value;
      rows.push(...remediationCsvRows(e, r));
    }
    this.keep(e, name, r);
  }

  private addTotals(r: ScanResult): void {
    const t = this.t;
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

  /** Keeps the entry unless the results limit was already reached (scans only: the first one over it is cut). */
  private keep(e: CommandStatusEntry, state: string, r: ScanResult | undefined): void {
    if (this.cut) return;
    let result = r;
    if (this.opts.statusType === 'scan' && r) {
      if (this.keptMatches + r.match_count > this.opts.resultsLimit) {
        result = cutMatches(r, this.opts.resultsLimit - this.keptMatches);
        this.cut = true;
      }
      this.keptMatches += result!.match_count;
    }
    if (this.opts.keep === 'full') {
      this.kept.push(result ? { ...e, state, scan_result: result } : { ...e, state });
      return;
    }
    if (!result || result.match_count === 0) return;
    const { computerName, computerId, stateId } = e;
    this.kept.push({ computerName, computerId, stateId, state, scan_result: result });
  }

  /** Overall state of what was read; `TIMED_OUT` when pending and issued `scanTimeoutSec` or longer ago. */
  state(timeout?: { issuedAtMs: number | undefined; nowMs: number; scanTimeoutSec: number }): string {
    const base = this.incomplete
      ? IN_PROGRESS
      : overallFromCounts(this.t.state_counts, this.t.total_ep_count, this.pending);
    if (!timeout || timeout.issuedAtMs === undefined) return base;
    if (base !== IN_PROGRESS && base !== WAITING) return base;
    return timeout.nowMs - timeout.issuedAtMs >= timeout.scanTimeoutSec * 1000 ? TIMED_OUT : base;
  }

  /** Counters so far (a copy) with the overall state; over-limit fields only once the limit is exceeded. */
  totals(timeout?: Parameters<StatusAccumulator['state']>[0]): CommandStatusTotals {
    const out: CommandStatusTotals = { ...this.t, state_counts: { ...this.t.state_counts } };
    out.overall_command_state = this.state(timeout);
    return out;
  }

  /** Kept entries (cut at the results limit for scans). */
  entries(): ProcessedCommandEntry[] {
    return this.kept;
  }

  /** Computer ids of completed scan entries with at least one match, in entry order. */
  matchingIds(): string[] {
    return this.matching;
  }

  /** Scan: more matches than the results limit. */
  overLimit(): boolean {
    return this.opts.statusType === 'scan' && this.t.total_match_count > this.opts.resultsLimit;
  }

  /** The CSV is attached for a scan over the limit and for a remediation with successes. */
  csvWanted(): boolean {
    if (this.opts.statusType === 'remediation') return this.t.total_remediation_count > 0;
    return this.overLimit();
  }

  /** Number of CSV data lines returned by `add` so far. */
  csvLineCount(): number {
    return this.csvLines;
  }

  csvName(commandId: string, at: Date): string {
    const kind = this.opts.statusType === 'remediation' ? 'Remediation_results' : 'EOC_scan_results';
    return `${kind}_for_commandid_${commandId}_${csvTimestamp(at)}.csv`;
  }

  /** Title line and header row; the data lines are what `add` returned, in order. */
  csvHead(commandId: string): string {
    if (this.opts.statusType === 'remediation') {
      const title = `Result for remediation of hash ${this.remediatedHash} and path '${this.t.remediate_artifact_value}' for commandid '${commandId}'.`;
      return stringify([[title]], CSV_OPTIONS) + stringify([REMEDIATION_HEADER], CSV_OPTIONS);
    }
    const title = `Eoc scan results of artifact '${this.t.scan_artifact_value}' for commandid '${commandId}'.`;
    return stringify([[title]], CSV_OPTIONS) + stringify([SCAN_HEADER], CSV_OPTIONS);
  }
}

const SCAN_HEADER = ['Computer name', 'Computer id', 'Artifact type', 'Artifact value', 'File path', 'Hash value'];
const REMEDIATION_HEADER = ['Computer name', 'Hash type', 'Hash value', 'File Path'];

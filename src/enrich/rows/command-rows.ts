import {
  COMMAND_STATES,
  COMPLETED,
  IN_PROGRESS,
  isTerminalState,
  stateName,
  WAITING,
} from '../../sepm/results/status-accumulator.ts';
import { overallState } from '../../sepm/results/command-status.ts';
import type { CommandStatusTotals, MatchAttributes, ProcessedCommandEntry } from '../../sepm/functions/types.ts';
import type { CellValue } from '../../soar/port.ts';

/**
 * Pure derivations from a processed command status (docs/reference/sep-functions.md §5 and §7) to the cells of the
 * `sep_eoc_scan_results` and `sep_endpoint_details` tables. The status is what the one StatusAccumulator
 * (sepm/results/status-accumulator.ts) produced, read by the raw `get-command-status` or the streaming tracker.
 */

/** One entry as the rows read it: the tracker keeps only these fields of each entry. */
export type StatusEntry = Pick<ProcessedCommandEntry, 'computerName' | 'computerId' | 'stateId' | 'scan_result'> &
  Partial<Pick<ProcessedCommandEntry, 'binaryFileId' | 'state'>>;

/** A processed status: counters (all optional: the raw output carries them all, older rows may not) and entries. */
export type CommandStatusLike = Partial<CommandStatusTotals> & { content?: readonly StatusEntry[] };

/** Command states (docs/reference/sepm-rest-api.md §6 Command states): one table, owned by the accumulator. */
export { COMMAND_STATES, isTerminalState, stateName };
const UPLOAD_STATES: Record<number, string> = { ...COMMAND_STATES, 0: 'Initial / Not received', 6: 'Failed' };

export const SCAN_RESULT = {
  query: 'Query',
  noMatch: 'No match found',
  overLimit: 'Query: Matches over limit see note/attachment.',
} as const;

const MATCH_LABELS: Record<string, string> = {
  HASH_MATCH: 'Hash match',
  FULL_MATCH: 'Full match',
  PARTIAL_MATCH: 'Partial match',
};

/** "Completed on X of Y endpoints" (X = total_ep_count − total_not_completed, as the original playbooks). */
export function completionNote(status: CommandStatusLike): string {
  const entries = status.content ?? [];
  const total = status.total_ep_count ?? entries.length;
  const notDone = status.total_not_completed ?? entries.filter((e) => e.stateId !== 3).length;
  return `Completed on ${total - notDone} of ${total} endpoints`;
}

/** Overall states that mean "poll again later". */
export function isPendingState(state: string): boolean {
  return state === WAITING || state === COMMAND_STATES[1] || state === IN_PROGRESS;
}

/** UTC `YYYY-MM-DD HH:MM:SS`, the format of every query_execution_date cell. */
export function executionDate(now: Date): string {
  return now.toISOString().replace('T', ' ').slice(0, 19);
}

export interface ScanRowContext {
  artifactType: string;
  artifactValue: string;
  artifactId?: number | undefined;
  scanType: string;
  commandId: string;
  state: string;
  now: Date;
}

/** One data-table row per match of one completed entry (FULL/PARTIAL: value + hashValue; HASH: value + IOC). */
export function matchRowsForEntry(entry: StatusEntry, ctx: ScanRowContext): Record<string, CellValue>[] {
  const sr = entry.scan_result;
  if (!sr) return [];
  const rows: Record<string, CellValue>[] = [];
  const base = (m: MatchAttributes, hash: string): Record<string, CellValue> => ({
    artifact_id: ctx.artifactId ?? null,
    artifact_type: ctx.artifactType,
    artifact_value: ctx.artifactValue,
    computer_name: entry.computerName ?? '',
    computer_id: entry.computerId ?? '',
    file_path: m.value ?? '',
    hash_value: hash,
    scan_type: ctx.scanType,
    scan_commandid: ctx.commandId,
    scan_command_state: ctx.state,
    scan_result: MATCH_LABELS[m.result ?? ''] ?? m.result ?? '',
    query_execution_date: executionDate(ctx.now),
  });
  for (const m of [...sr.FULL_MATCHES, ...sr.PARTIAL_MATCHES]) rows.push(base(m, m.hashValue ?? ''));
  const ioc = sr.artifact_value || ctx.artifactValue;
  for (const m of sr.HASH_MATCHES) rows.push(base(m, ioc));
  return rows;
}

/** scan_result of the "Query" row once the command is over. */
export function queryRowResult(state: string, matchCount: number, overLimit: boolean): string {
  if (overLimit) return SCAN_RESULT.overLimit;
  if (matchCount === 0 && state === COMPLETED) return SCAN_RESULT.noMatch;
  return SCAN_RESULT.query;
}

/** remediation_status cell (docs/reference/sep-functions.md §7 "Remediation status"). */
export function remediationStatus(status: CommandStatusLike, now: Date): string {
  const ok = status.total_remediation_count ?? 0;
  const failed = status.total_fail_remediation_count ?? 0;
  const state = status.overall_command_state ?? overallState(status.content ?? []).state;
  if (state === IN_PROGRESS || state === WAITING) return state;
  if (failed > 0) return 'Failed';
  if (ok > 0) return `Completed at ${executionDate(now)}: ${ok} file(s) remediated`;
  if (ok === 0 && failed === 0) return SCAN_RESULT.noMatch;
  return state;
}

/** file_upload_status and file_id cells (docs/reference/sep-functions.md §7 "Upload status"). */
export function uploadCells(status: CommandStatusLike): { file_upload_status: string; file_id: string } {
  const state = status.overall_command_state ?? overallState(status.content ?? []).state;
  const first = status.content?.[0];
  if (state !== COMPLETED || !first) return { file_upload_status: state, file_id: '' };
  const name = UPLOAD_STATES[first.stateId ?? 0] ?? state;
  return { file_upload_status: name, file_id: first.stateId === 3 ? (first.binaryFileId ?? '') : '' };
}

/** quarantine_command_state: overall state, refined to the first entry's state name when completed. */
export function quarantineCommandState(status: CommandStatusLike): string {
  const state = status.overall_command_state ?? overallState(status.content ?? []).state;
  const first = status.content?.[0];
  if (state === COMPLETED && first) return stateName(first.stateId);
  return state;
}

import { COMMAND_STATES } from '../../sepm/results/command-status.ts';
import type { CellValue } from '../../soar/port.ts';

/**
 * Pure derivations from a processed command status (docs/reference/sep-functions.md §5 and §7) to the cells of the
 * `sep_eoc_scan_results` and `sep_endpoint_details` tables. Only the fields read here are typed; the status
 * object itself comes from the SEP function `get-command-status`.
 */

export interface MatchAttrs {
  result?: string;
  value?: string;
  hashType?: string;
  hashValue?: string;
  [key: string]: unknown;
}

export interface ScanResultLike {
  MATCH?: boolean;
  artifact_value?: string;
  artifact_type?: string;
  remediate_artifact_value?: string;
  FULL_MATCHES?: MatchAttrs[];
  HASH_MATCHES?: MatchAttrs[];
  PARTIAL_MATCHES?: MatchAttrs[];
  match_count?: number;
  remediation_count?: number;
  fail_remediation_count?: number;
}

export interface StatusEntryLike {
  computerName?: string | null;
  computerId?: string | null;
  hardwareKey?: string | null;
  stateId?: number | null;
  binaryFileId?: string | null;
  scan_result?: ScanResultLike | null;
}

export interface CommandStatusLike {
  content?: StatusEntryLike[];
  overall_command_state?: string;
  total_ep_count?: number;
  total_not_completed?: number;
  total_match_count?: number;
  total_match_ep_count?: number;
  total_remediation_count?: number;
  total_fail_remediation_count?: number;
  scan_eoc_hits_over_limit?: boolean;
}

/** Command states (docs/reference/sepm-rest-api.md §6 Command states): one table, owned by the command-status post-processing. */
export { COMMAND_STATES };
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

export function stateName(stateId: number | null | undefined): string {
  return COMMAND_STATES[stateId ?? 0] ?? `Unknown state ${String(stateId)}`;
}

export function isTerminalState(stateId: number | null | undefined): boolean {
  return typeof stateId === 'number' && stateId >= 3 && stateId <= 6;
}

/** Overall state over all entries: "In progress" while any is pending, else "Completed" or per-state counts. */
export function overallState(entries: StatusEntryLike[]): string {
  if (entries.length === 0) return COMMAND_STATES[0]!;
  if (entries.some((e) => !isTerminalState(e.stateId))) return COMMAND_STATES[2]!;
  const completed = entries.filter((e) => e.stateId === 3).length;
  if (completed === entries.length) return COMMAND_STATES[3]!;
  return `Completed on ${completed} of ${entries.length} endpoints`;
}

/** "Completed on X of Y endpoints" (X = total_ep_count − total_not_completed, as the original playbooks). */
export function completionNote(status: CommandStatusLike): string {
  const entries = status.content ?? [];
  const total = status.total_ep_count ?? entries.length;
  const notDone = status.total_not_completed ?? entries.filter((e) => e.stateId !== 3).length;
  return `Completed on ${total - notDone} of ${total} endpoints`;
}

/** Overall states that mean "poll again later". */
export function isPendingState(state: string): boolean {
  return state === COMMAND_STATES[0] || state === COMMAND_STATES[1] || state === COMMAND_STATES[2];
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
export function matchRowsForEntry(entry: StatusEntryLike, ctx: ScanRowContext): Record<string, CellValue>[] {
  const sr = entry.scan_result;
  if (!sr) return [];
  const rows: Record<string, CellValue>[] = [];
  const base = (m: MatchAttrs, hash: string): Record<string, CellValue> => ({
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
  for (const m of [...(sr.FULL_MATCHES ?? []), ...(sr.PARTIAL_MATCHES ?? [])]) rows.push(base(m, m.hashValue ?? ''));
  const ioc = sr.artifact_value ?? ctx.artifactValue;
  for (const m of sr.HASH_MATCHES ?? []) rows.push(base(m, ioc));
  return rows;
}

/** scan_result of the "Query" row once the command is over. */
export function queryRowResult(state: string, matchCount: number, overLimit: boolean): string {
  if (overLimit) return SCAN_RESULT.overLimit;
  if (matchCount === 0 && state === COMMAND_STATES[3]) return SCAN_RESULT.noMatch;
  return SCAN_RESULT.query;
}

/** remediation_status cell (docs/reference/sep-functions.md §7 "Remediation status"). */
export function remediationStatus(status: CommandStatusLike, now: Date): string {
  const ok = status.total_remediation_count ?? 0;
  const failed = status.total_fail_remediation_count ?? 0;
  const state = status.overall_command_state ?? overallState(status.content ?? []);
  if (state === COMMAND_STATES[2] || state === COMMAND_STATES[0]) return state;
  if (failed > 0) return 'Failed';
  if (ok > 0) return `Completed at ${executionDate(now)}: ${ok} file(s) remediated`;
  if (ok === 0 && failed === 0) return SCAN_RESULT.noMatch;
  return state;
}

/** file_upload_status and file_id cells (docs/reference/sep-functions.md §7 "Upload status"). */
export function uploadCells(status: CommandStatusLike): { file_upload_status: string; file_id: string } {
  const state = status.overall_command_state ?? overallState(status.content ?? []);
  const first = status.content?.[0];
  if (state !== COMMAND_STATES[3] || !first) return { file_upload_status: state, file_id: '' };
  const name = UPLOAD_STATES[first.stateId ?? 0] ?? state;
  return { file_upload_status: name, file_id: first.stateId === 3 ? (first.binaryFileId ?? '') : '' };
}

/** quarantine_command_state: overall state, refined to the first entry's state name when completed. */
export function quarantineCommandState(status: CommandStatusLike): string {
  const state = status.overall_command_state ?? overallState(status.content ?? []);
  const first = status.content?.[0];
  if (state === COMMAND_STATES[3] && first) return stateName(first.stateId);
  return state;
}

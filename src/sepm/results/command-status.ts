import {
  COMMAND_STATES,
  COMPLETED,
  IN_PROGRESS,
  isTerminalState,
  overallFromCounts,
  StatusAccumulator,
  stateName,
  TIMED_OUT,
  WAITING,
  type CommandStatusType,
} from './status-accumulator.ts';
import type { CommandStatusEntry, CommandStatusPage, GetCommandStatusOutput, SepmPage } from '../functions/types.ts';

/**
 * The raw Get Command Status over ALL pages (docs/reference/sep-functions.md §5 Command status processing): the
 * merged page fed to the one StatusAccumulator, then shaped as the function's output (truncated content,
 * counters, matching ids, the CSV attachment).
 */

export {
  COMMAND_STATES,
  COMPLETED,
  IN_PROGRESS,
  isTerminalState,
  stateName,
  TIMED_OUT,
  WAITING,
  type CommandStatusType,
};

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

/** Parses the scan date as UTC (the original used the host's local zone); undefined when unreadable. */
export function parseScanDateUtc(value: string): number | undefined {
  const iso = value.trim().replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Overall state over all entries (not the first one only) plus per-state counts. */
export function overallState(entries: readonly Pick<CommandStatusEntry, 'stateId'>[]): {
  state: string;
  counts: Record<string, number>;
} {
  const counts: Record<string, number> = {};
  let pending = 0;
  for (const e of entries) {
    counts[stateName(e.stateId)] = (counts[stateName(e.stateId)] ?? 0) + 1;
    if (!isTerminalState(e.stateId)) pending++;
  }
  return { state: overallFromCounts(counts, entries.length, pending), counts };
}

export function processCommandStatus(
  page: SepmPage<CommandStatusEntry>,
  opts: CommandStatusOptions,
): GetCommandStatusOutput {
  const acc = new StatusAccumulator({ statusType: opts.statusType, resultsLimit: opts.resultsLimit, keep: 'full' });
  const lines = acc.add(page.content);
  const issuedAtMs = opts.scanDate ? parseScanDateUtc(opts.scanDate) : undefined;
  const totals = acc.totals({ issuedAtMs, nowMs: opts.nowMs, scanTimeoutSec: opts.scanTimeoutSec });
  const status = { ...page, ...totals, content: acc.entries() } as CommandStatusPage;
  const result: GetCommandStatusOutput = { status };
  if (acc.csvWanted()) {
    result.csv = {
      name: acc.csvName(opts.commandId, new Date(opts.nowMs)),
      content: acc.csvHead(opts.commandId) + lines,
    };
    status.att_name = result.csv.name;
  }
  if (opts.statusType === 'scan' && opts.matchingEndpointIds) result.endpoints_matching_ids = acc.matchingIds();
  if (acc.overLimit()) {
    status.scan_eoc_hits_over_limit = true;
    status.truncated_count = opts.resultsLimit;
  }
  return result;
}

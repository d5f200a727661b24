import {
  ENGINE_FIELDS,
  type AnnotatedComputer,
  type EndpointStatusDetails,
  type EndpointStatusSummary,
  type NonCompliantDetail,
  type SepmComputer,
} from '../functions/types.ts';

/**
 * Pure post-processing of Get Computers (docs/reference/sep-functions.md §3 Function rules and §4 Endpoint status summary): readable UTC times, ages, the endpoint
 * status summary and the non-compliant details. Works on any number of computers (all pages, not the first).
 */

const TIME_FIELDS = [
  ['lastScanTime', 'LastScanTime'],
  ['lastUpdateTime', 'LastUpdateTime'],
  ['lastVirusTime', 'LastVirusTime'],
] as const;

/** `YYYY-MM-DD HH:MM:SS` in UTC for epoch milliseconds (0 → 1970-01-01 00:00:00, as SEPM's "never"). */
export function formatUtc(epochMs: number): string {
  const d = new Date(Number.isFinite(epochMs) ? epochMs : 0);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function epochMsOf(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Adds readableLast…Time (UTC) and timediffLast…Time (now − value, float seconds) to one computer. */
export function annotateComputer(computer: SepmComputer, nowMs: number): AnnotatedComputer {
  const out: Record<string, unknown> = { ...computer };
  for (const [field, suffix] of TIME_FIELDS) {
    const ms = epochMsOf(computer[field]);
    out[`readable${suffix}`] = formatUtc(ms);
    out[`timediff${suffix}`] = nowMs / 1000 - ms / 1000;
  }
  return out as AnnotatedComputer;
}

export function emptySummary(): EndpointStatusSummary {
  return { total: 0, non_compliant: 0, offline: 0, hi_failed: 0, up_to_date: 0, out_of_date: 0, disabled: 0 };
}

function osNameOf(c: SepmComputer): string {
  const v = c.osName ?? c.osname ?? '';
  return typeof v === 'string' ? v : '';
}

function isWindows(c: SepmComputer): boolean {
  return osNameOf(c).toLowerCase().includes('windows');
}

function hiPassed(c: SepmComputer): boolean {
  return String(c.quarantineDesc ?? '')
    .toLowerCase()
    .includes('host integrity check passed');
}

/** Any engine field reported as 0 = disabled (2, 1, 3, 4, 127 do not count; missing fields are skipped). */
function anyEngineDisabled(c: SepmComputer): boolean {
  return ENGINE_FIELDS.some((f) => c[f] !== undefined && c[f] !== null && Number(c[f]) === 0);
}

export interface ComplianceFlags {
  disabled: boolean;
  offline: boolean;
  hiFailed: boolean;
  outOfDate: boolean;
}

export function complianceOf(c: SepmComputer, nowMs: number, outOfDateAfterSec: number): ComplianceFlags {
  const ageSec = nowMs / 1000 - epochMsOf(c.lastUpdateTime) / 1000;
  return {
    disabled: anyEngineDisabled(c),
    offline: Number(c.onlineStatus) === 0,
    hiFailed: isWindows(c) && !hiPassed(c),
    outOfDate: ageSec > outOfDateAfterSec,
  };
}

const ENGINE_STATE_NAMES: Record<number, string> = {
  0: 'Disabled',
  1: 'Enabled',
  2: 'Not installed',
  4: 'Malfunctioning',
  127: 'Client not reporting',
};

export function engineStateName(value: unknown): string {
  if (value === undefined || value === null) return 'Not reported';
  return ENGINE_STATE_NAMES[Number(value)] ?? 'Unexpected status';
}

function detailOf(c: SepmComputer): NonCompliantDetail {
  const a = annotateComputer(c, 0);
  const detail: Record<string, string> = {
    computer_name: c.computerName,
    uniqueId: c.uniqueId,
    host_integrity_check: isWindows(c) ? (hiPassed(c) ? 'Passed' : 'Failed') : 'N/A',
    onlineStatus: Number(c.onlineStatus) === 0 ? 'Offline' : 'Online',
    readableLastScanTime: a.readableLastScanTime,
    readableLastVirusTime: a.readableLastVirusTime,
    readableLastUpdateTime: a.readableLastUpdateTime,
  };
  for (const f of ENGINE_FIELDS) detail[f] = engineStateName(c[f]);
  return detail as NonCompliantDetail;
}

/**
 * Incremental summary so large estates can be summarised page by page without holding every computer.
 * Non-compliant computers are keyed by uniqueId (the original keyed by name, merging namesakes).
 */
export class StatusAccumulator {
  readonly summary = emptySummary();
  readonly eps: NonCompliantDetail[] = [];
  private readonly nonCompliant = new Set<string>();
  private readonly nowMs: number;
  private readonly outOfDateAfterSec: number;
  private readonly withDetails: boolean;

  constructor(nowMs: number, outOfDateAfterSec: number, withDetails: boolean) {
    this.nowMs = nowMs;
    this.outOfDateAfterSec = outOfDateAfterSec;
    this.withDetails = withDetails;
  }

  add(c: SepmComputer): void {
    const s = this.summary;
    const f = complianceOf(c, this.nowMs, this.outOfDateAfterSec);
    s.total++;
    if (f.disabled) s.disabled++;
    if (f.offline) s.offline++;
    if (f.hiFailed) s.hi_failed++;
    if (f.outOfDate) s.out_of_date++;
    else s.up_to_date++;
    const key = c.uniqueId ?? c.computerName;
    if ((f.disabled || f.offline || f.hiFailed || f.outOfDate) && !this.nonCompliant.has(key)) {
      this.nonCompliant.add(key);
      s.non_compliant++;
      if (this.withDetails) this.eps.push(detailOf(c));
    }
  }

  result(): EndpointStatusSummary | EndpointStatusDetails {
    return this.withDetails ? { ...this.summary, eps: this.eps } : { ...this.summary };
  }
}

export function summariseEndpoints(
  computers: Iterable<SepmComputer>,
  nowMs: number,
  outOfDateAfterSec: number,
  withDetails = false,
): EndpointStatusSummary | EndpointStatusDetails {
  const acc = new StatusAccumulator(nowMs, outOfDateAfterSec, withDetails);
  for (const c of computers) acc.add(c);
  return acc.result();
}

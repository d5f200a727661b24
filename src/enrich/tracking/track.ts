import { type TableRow } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';
import { describeError, isAppError } from '../../shared/errors.ts';
import { cell, type JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import {
  completionNote,
  isPendingState,
  matchRowsForEntry,
  queryRowResult,
  quarantineCommandState,
  remediationStatus,
  uploadCells,
  type CommandStatusLike,
} from '../rows/command-rows.ts';
import { endpointQuarantineStatus } from '../rows/table-rows.ts';
import { isTimedOut, TIMED_OUT } from '../../sepm/results/command-status.ts';
import { streamScanStatus } from './scan-stream.ts';
import { scheduleTracking } from './schedule.ts';
import { attachCsvOnce } from '../playbooks/attachments.ts';
import { CANCELED_ON_CLOSE, cancelIncidentCommands, clearPending, registerPending } from './pending-commands.ts';
import { markScanDone, scanMembers } from './scan-share.ts';

/**
 * The `track-command` job: one poll of a SEPM command. While the command is pending it writes the state to the
 * row and schedules the next poll (a new delayed job, backoff doubling to pollMaxIntervalSec). At a terminal
 * state, or after scanTimeoutSec ("Timedout"), it writes the results back: match rows up to the results limit,
 * the full CSV when over it, remediation/upload/quarantine columns, and the note "Completed on X of Y endpoints".
 */

type TrackPayload = PlaybookPayload<'track-command'>;

const STATE_COLUMN: Record<TrackPayload['kind'], { table: string; column: string }> = {
  scan: { table: SepTables.eocScanResults, column: 'scan_command_state' },
  remediation: { table: SepTables.eocScanResults, column: 'remediation_status' },
  upload: { table: SepTables.eocScanResults, column: 'file_upload_status' },
  quarantine: { table: SepTables.endpointDetails, column: 'quarantine_command_state' },
};

interface Attachment {
  name: string;
  content: string | Buffer;
}

/** One status read: scans are streamed (their results can be huge), the other kinds are small. */
interface Polled {
  status: CommandStatusLike;
  csv?: Attachment | undefined;
}

async function poll(ctx: JobContext, p: TrackPayload): Promise<Polled> {
  const limit = ctx.config.sepm.resultsLimit;
  if (p.kind === 'scan') {
    const timedOut = isTimedOut(p.startedAt, ctx.now().getTime(), ctx.config.sepm);
    const s = await streamScanStatus(ctx.client, p.commandId, { limit, stopOnPending: !timedOut, now: ctx.now() });
    // The read stopped at a pending entry but the timeout passed while it ran (a slow first page on a large
    // estate): the results written now must be all of them, not the first page's.
    if (s.pending && !timedOut && isTimedOut(p.startedAt, ctx.now().getTime(), ctx.config.sepm)) return poll(ctx, p);
    return { status: s.status, csv: s.csv };
  }
  const out = await ctx.sepm.getCommandStatus({
    commandId: p.commandId,
    statusType: p.kind,
    incidentId: p.incidentId,
    scanDate: new Date(p.startedAt).toISOString(),
    resultsLimit: limit,
  });
  return { status: out.status, csv: out.csv };
}

/** The incident rows a poll writes to: every incident sharing a scan, else the job's own incident. */
async function targetsOf(ctx: JobContext, p: TrackPayload): Promise<TrackPayload[]> {
  if (p.kind !== 'scan' || p.once) return [p];
  const members = await scanMembers(ctx, p.commandId);
  if (members.length === 0) return [p];
  return members.map((m) => ({ ...p, incidentId: m.incidentId, rowId: m.rowId, artifactId: m.artifactId }));
}

async function allClosed(ctx: JobContext, targets: TrackPayload[]): Promise<boolean> {
  for (const t of targets) if ((await ctx.soar.getIncident(t.incidentId)).state !== 'closed') return false;
  return true;
}

export async function trackCommand(p: TrackPayload, ctx: JobContext): Promise<unknown> {
  const out = await poll(ctx, p).catch(async (err: unknown) => {
    // A permanent failure (command unknown to SEPM, bad input) ends the tracking: say so in the row, not "In progress".
    if (isAppError(err) && !err.retryable) await setStateColumn(ctx, p, `Tracking failed: ${describeError(err)}`);
    throw err;
  });
  const status = out.status;
  let state = status.overall_command_state ?? 'Waiting/Not received';
  const pending = isPendingState(state);
  // get-command-status already says Timedout for the non-scan kinds (it gets the start as scanDate).
  const timedOut = state === TIMED_OUT || (pending && isTimedOut(p.startedAt, ctx.now().getTime(), ctx.config.sepm));
  let targets = await targetsOf(ctx, p);
  if (pending && !timedOut) {
    if (!p.once && (await allClosed(ctx, targets))) return cancelOnClose(ctx, targets);
    for (const t of targets) await setStateColumn(ctx, t, state);
    if (!p.once) {
      const next = await scheduleTracking(ctx, { ...stripOnce(p), attempt: p.attempt + 1 });
      return { state, next: next.jobId };
    }
    return { state };
  }
  if (timedOut) state = TIMED_OUT;
  if (p.kind === 'scan' && !p.once) {
    // Flag first, members second: an incident joining now either is in this list or sees the flag (scan-share.ts).
    await markScanDone(ctx, p.commandId);
    targets = await targetsOf(ctx, p);
  }
  for (const t of targets) {
    await FINISHERS[p.kind](ctx, t, out, state);
    await ctx.soar.addNote(t.incidentId, summaryNote(t, status, state, ctx.config.sepm.resultsLimit, out.csv));
    // A timed-out command is still pending in SEPM: it stays registered, so closing the incident cancels it.
    if (!timedOut) await clearPending(ctx, t.incidentId, p.commandId);
  }
  return { state, terminal: true, note: completionNote(status), incidents: targets.map((t) => t.incidentId) };
}

/** Every incident on the command was closed while it is pending: cancel what each still has pending in SEPM. */
async function cancelOnClose(ctx: JobContext, targets: TrackPayload[]): Promise<unknown> {
  const canceled: string[] = [];
  for (const t of targets) {
    // Commands tracked before the registry existed are registered here, so they are canceled too.
    await registerPending(ctx, t.incidentId, {
      commandId: t.commandId,
      kind: t.kind,
      rowId: t.rowId,
      startedAt: t.startedAt,
    });
  }
  for (const t of targets) canceled.push(...(await cancelIncidentCommands(ctx, t.incidentId)).canceled);
  return { state: CANCELED_ON_CLOSE, terminal: true, canceled };
}

function stripOnce(p: TrackPayload): Omit<TrackPayload, 'once'> {
  const { once: _once, ...rest } = p;
  return rest;
}

function summaryNote(
  p: TrackPayload,
  status: CommandStatusLike,
  state: string,
  limit: number,
  csv?: Attachment,
): string {
  const lines = [`${completionNote(status)}.`, `SEPM ${p.kind} command ${p.commandId}: ${state}.`];
  if (p.kind === 'scan') {
    const eps = status.total_match_ep_count ?? countMatchEps(status);
    lines.push(`Matches: ${status.total_match_count ?? 0} on ${eps} endpoint(s).`);
    if (status.scan_eoc_hits_over_limit) {
      lines.push(
        `Over the limit: the first ${limit} matches are in the table, all are in attachment ${csv?.name ?? '(csv)'}.`,
      );
    }
  }
  if (p.kind === 'remediation') {
    lines.push(
      `Remediated: ${status.total_remediation_count ?? 0}, failed: ${status.total_fail_remediation_count ?? 0}.`,
    );
  }
  return lines.join('\n');
}

function countMatchEps(status: CommandStatusLike): number {
  return (status.content ?? []).filter((e) => (e.scan_result?.match_count ?? 0) > 0).length;
}

async function setStateColumn(ctx: JobContext, p: TrackPayload, state: string): Promise<void> {
  if (p.rowId === undefined) return;
  const { table, column } = STATE_COLUMN[p.kind];
  await ctx.soar.updateTableRow(p.incidentId, table, p.rowId, { [column]: state });
}

async function attachCsv(ctx: JobContext, incidentId: number, csv: Attachment | undefined): Promise<void> {
  // A retried poll or a re-run of get-scan-results must not attach the same file twice.
  if (csv) await attachCsvOnce(ctx, incidentId, csv);
}

async function rowOf(ctx: JobContext, p: TrackPayload, table: string): Promise<TableRow | undefined> {
  if (p.rowId === undefined) return undefined;
  return (await ctx.soar.listTableRows(p.incidentId, table)).find((r) => r.id === p.rowId);
}

type Finisher = (ctx: JobContext, p: TrackPayload, out: Polled, state: string) => Promise<void>;

const finishScan: Finisher = async (ctx, p, out, state) => {
  const status = out.status;
  const table = SepTables.eocScanResults;
  const queryRow = await rowOf(ctx, p, table);
  const artifactType = p.artifact?.type ?? (queryRow ? cell(queryRow, 'artifact_type') : '');
  const artifactValue = p.artifact?.value ?? (queryRow ? cell(queryRow, 'artifact_value') : '');
  const scanType = p.scanType ?? (queryRow ? cell(queryRow, 'scan_type') : '') ?? 'QUICK';
  const all = await ctx.soar.listTableRows(p.incidentId, table);
  const key = (c: Record<string, unknown>) =>
    [c.scan_commandid, c.computer_id, c.file_path, c.hash_value, c.scan_result].map(String).join('|');
  const seen = new Set(all.filter((r) => r.cells.scan_commandid === p.commandId).map((r) => key(r.cells)));
  const rowCtx = {
    artifactType,
    artifactValue,
    artifactId: p.artifactId,
    scanType,
    commandId: p.commandId,
    state,
    now: ctx.now(),
  };
  for (const entry of status.content ?? []) {
    for (const cells of matchRowsForEntry(entry, rowCtx)) {
      if (seen.has(key(cells))) continue;
      seen.add(key(cells));
      await ctx.soar.addTableRow(p.incidentId, table, cells);
    }
  }
  await attachCsv(ctx, p.incidentId, out.csv);
  if (p.rowId !== undefined) {
    await ctx.soar.updateTableRow(p.incidentId, table, p.rowId, {
      scan_command_state: state,
      scan_result: queryRowResult(state, status.total_match_count ?? 0, status.scan_eoc_hits_over_limit === true),
    });
  }
};

const finishRemediation: Finisher = async (ctx, p, out, state) => {
  const status = out.status;
  const value = state === TIMED_OUT ? TIMED_OUT : remediationStatus(status, ctx.now());
  await setStateColumn(ctx, p, value);
  await attachCsv(ctx, p.incidentId, out.csv);
};

const finishUpload: Finisher = async (ctx, p, out, state) => {
  if (p.rowId === undefined) return;
  const cells = state === TIMED_OUT ? { file_upload_status: TIMED_OUT, file_id: '' } : uploadCells(out.status);
  await ctx.soar.updateTableRow(p.incidentId, SepTables.eocScanResults, p.rowId, cells);
};

const finishQuarantine: Finisher = async (ctx, p, out, state) => {
  const status = out.status;
  const cells: Record<string, string> = {
    quarantine_command_state: state === TIMED_OUT ? TIMED_OUT : quarantineCommandState(status),
  };
  const row = await rowOf(ctx, p, SepTables.endpointDetails);
  if (!row) return;
  const computerId = cell(row, 'uniqueId');
  if (computerId) {
    const page = await ctx.sepm.getComputers({ computerId });
    const computer = 'content' in page && Array.isArray(page.content) ? page.content[0] : undefined;
    if (computer) cells.endpoint_quarantine_status = endpointQuarantineStatus(computer);
  }
  // One update, so a reader never sees "Completed" next to the quarantine status from before the command.
  await ctx.soar.updateTableRow(p.incidentId, SepTables.endpointDetails, row.id, cells);
};

const FINISHERS: Record<TrackPayload['kind'], Finisher> = {
  scan: finishScan,
  remediation: finishRemediation,
  upload: finishUpload,
  quarantine: finishQuarantine,
};

import { type TableRow } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';
import { parseScanDateUtc } from '../../sepm/results/command-status.ts';
import { describeError, isAppError } from '../../shared/errors.ts';
import { cell, type JobContext } from '../jobs/context.ts';
import { scanMembers } from './scan-share.ts';

/**
 * Every SEPM command an incident started and that may still be pending in SEPM, including those whose tracking
 * gave up at scanTimeoutSec ("Timedout": SEPM still holds them). A Redis hash per incident, `commandId → entry`,
 * written when tracking is first scheduled and removed when the command reaches a terminal state. Closing the
 * incident cancels all of them at once (cancelIncidentCommands), with one note listing them.
 */

export type TrackedKind = 'scan' | 'remediation' | 'upload' | 'quarantine';

export interface PendingCommand {
  commandId: string;
  kind: TrackedKind;
  rowId?: number | undefined;
  /** When the command was created, epoch ms: the timeout reference of a later one-off status read. */
  startedAt?: number | undefined;
}

/** Kept long after the timeout: a timed-out command stays pending in SEPM until someone cancels it. */
const REGISTRY_TTL_MS = 7 * 24 * 3600 * 1000;

const registryKey = (ctx: JobContext, incidentId: number) => `${ctx.prefix}:incident-commands:${incidentId}`;

export async function registerPending(ctx: JobContext, incidentId: number, cmd: PendingCommand): Promise<void> {
  const key = registryKey(ctx, incidentId);
  await ctx.redis.hset(key, cmd.commandId, JSON.stringify(cmd));
  await ctx.redis.pexpire(key, REGISTRY_TTL_MS);
}

export async function clearPending(ctx: JobContext, incidentId: number, commandId: string): Promise<void> {
  await ctx.redis.hdel(registryKey(ctx, incidentId), commandId);
}

/** When a command of the incident was started, if it is still registered (pending or timed out). */
export async function pendingStartedAt(
  ctx: JobContext,
  incidentId: number,
  commandId: string,
): Promise<number | undefined> {
  const raw = await ctx.redis.hget(registryKey(ctx, incidentId), commandId);
  return raw === null ? undefined : (JSON.parse(raw) as PendingCommand).startedAt;
}

/**
 * The real start of a command for a one-off status read (get-scan-results, get-upload-status), so a command past
 * scanTimeoutSec reads "Timedout" and a Timedout row is never reset to "In progress": the tracked start while the
 * command is registered, else the row's query_execution_date (UTC), else now.
 */
export async function commandStartedAt(
  ctx: JobContext,
  incidentId: number,
  commandId: string,
  row?: TableRow,
): Promise<number> {
  const tracked = await pendingStartedAt(ctx, incidentId, commandId);
  if (tracked !== undefined) return tracked;
  const date = row ? cell(row, 'query_execution_date') : '';
  return (date ? parseScanDateUtc(date) : undefined) ?? ctx.now().getTime();
}

export async function listPending(ctx: JobContext, incidentId: number): Promise<PendingCommand[]> {
  const all = await ctx.redis.hgetall(registryKey(ctx, incidentId));
  return Object.values(all).map((v) => JSON.parse(v) as PendingCommand);
}

const STATE_COLUMN: Record<TrackedKind, { table: string; column: string }> = {
  scan: { table: SepTables.eocScanResults, column: 'scan_command_state' },
  remediation: { table: SepTables.eocScanResults, column: 'remediation_status' },
  upload: { table: SepTables.eocScanResults, column: 'file_upload_status' },
  quarantine: { table: SepTables.endpointDetails, column: 'quarantine_command_state' },
};

export const CANCELED_ON_CLOSE = 'Canceled (incident closed)';

/** A shared scan is canceled only when every incident on it is closed; returns the open ones. */
async function openSharers(ctx: JobContext, incidentId: number, cmd: PendingCommand): Promise<number[]> {
  if (cmd.kind !== 'scan') return [];
  const open: number[] = [];
  for (const m of await scanMembers(ctx, cmd.commandId)) {
    if (m.incidentId === incidentId) continue;
    if ((await ctx.soar.getIncident(m.incidentId)).state !== 'closed') open.push(m.incidentId);
  }
  return open;
}

async function cancelOne(ctx: JobContext, incidentId: number, cmd: PendingCommand): Promise<string> {
  const sharers = await openSharers(ctx, incidentId, cmd);
  if (sharers.length > 0) {
    await clearPending(ctx, incidentId, cmd.commandId);
    return `pending SEPM ${cmd.kind} command ${cmd.commandId} left running: shared with open incident(s) ${sharers.join(', ')}`;
  }
  let detail: string;
  try {
    const out = await ctx.sepm.cancelCommand({ commandId: cmd.commandId });
    detail = `canceled (cancel command ${out.commandID})`;
  } catch (err) {
    if (isAppError(err) && err.retryable) throw err;
    detail = `not canceled: ${describeError(err)}`;
  }
  if (cmd.rowId !== undefined) {
    const { table, column } = STATE_COLUMN[cmd.kind];
    await ctx.soar.updateTableRow(incidentId, table, cmd.rowId, { [column]: CANCELED_ON_CLOSE });
  }
  await clearPending(ctx, incidentId, cmd.commandId);
  return `pending SEPM ${cmd.kind} command ${cmd.commandId} ${detail}`;
}

/**
 * The incident was closed: cancel every command it still has pending in SEPM, in one go, and say which in one
 * note. Safe to run twice (a canceled command leaves the registry); a retryable SEPM failure is rethrown so
 * BullMQ retries the rest.
 */
export async function cancelIncidentCommands(ctx: JobContext, incidentId: number): Promise<{ canceled: string[] }> {
  const pending = await listPending(ctx, incidentId);
  const lines: string[] = [];
  for (const cmd of pending) lines.push(await cancelOne(ctx, incidentId, cmd));
  if (lines.length > 0) {
    await ctx.soar.addNote(
      incidentId,
      [`Incident closed: ${lines.length} SEPM command(s) still pending.`, ...lines.map((l) => `- ${l}.`)].join('\n'),
    );
  }
  return { canceled: lines };
}

import type { CellValue } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmComputer } from '../../sepm/functions/schemas.ts';
import type { JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { scheduleTracking } from '../tracking/schedule.ts';
import { auditAction, containmentGate } from '../containment/playbooks.ts';
import { groupPathOf, resolveOneGroup } from '../containment/group-members.ts';
import { findComputers, findOneComputer } from './lookups.ts';
import { cell, findRow } from '../jobs/context.ts';
import { targetOf } from '../containment/targets.ts';
import { endpointDetailsRow, endpointQuarantineStatus } from '../rows/table-rows.ts';

/** Endpoint playbooks: details, quarantine / un-quarantine (tracked), quarantine status, move (with undo). */

const T = SepTables.endpointDetails;

export { targetOf };

/** Updates the endpoint's row (matched by uniqueId) or adds one; returns its id. */
export async function upsertEndpointRow(
  ctx: JobContext,
  incidentId: number,
  computer: SepmComputer,
  cells: Record<string, CellValue>,
  description = 'Endpoint details',
): Promise<number> {
  const rows = await ctx.soar.listTableRows(incidentId, T);
  const existing = rows.find((r) => r.cells.uniqueId === computer.uniqueId);
  if (existing) return (await ctx.soar.updateTableRow(incidentId, T, existing.id, cells)).id;
  const row = { ...endpointDetailsRow(computer, description, ctx.now()), ...cells };
  return (await ctx.soar.addTableRow(incidentId, T, row)).id;
}

export async function endpointDetails(p: PlaybookPayload<'endpoint-details'>, ctx: JobContext): Promise<unknown> {
  const computers = await findComputers(ctx, { computer: p.artifact.value });
  const description = `Endpoint details for ${p.artifact.type} '${p.artifact.value}'`;
  if (computers.length === 0) {
    await ctx.soar.addNote(p.incidentId, `SEPM knows no computer matching ${p.artifact.type} '${p.artifact.value}'.`);
    return { found: 0 };
  }
  const rowIds: number[] = [];
  for (const c of computers) {
    const cells = endpointDetailsRow(c, description, ctx.now());
    delete cells.quarantine_command_state;
    delete cells.quarantine_commandid;
    rowIds.push(await upsertEndpointRow(ctx, p.incidentId, c, cells, description));
  }
  return { found: computers.length, rowIds };
}

/**
 * Endpoint details for the computer of a `sep_eoc_scan_results` row (fn_sep's row menu item). The row names the
 * computer by SEPM id as reported at scan time; the name is the fallback for a row without one.
 */
export async function endpointDetailsFromScanRow(
  p: PlaybookPayload<'endpoint-details-from-scan-row'>,
  ctx: JobContext,
): Promise<unknown> {
  const row = await findRow(ctx, p.incidentId, SepTables.eocScanResults, p.rowId);
  const computerId = cell(row, 'computer_id');
  const computerName = cell(row, 'computer_name');
  if (!computerId && !computerName) {
    throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `row ${p.rowId} names no computer (a Query row)`);
  }
  const computers = await findComputers(ctx, computerId ? { computerId } : { computer: computerName });
  const who = computerId ? `computer id ${computerId}` : `computer '${computerName}'`;
  if (computers.length === 0) {
    await ctx.soar.addNote(p.incidentId, `SEPM no longer knows ${who} of scan-result row ${p.rowId}.`);
    return { found: 0 };
  }
  const description = `Endpoint details for ${who} of EOC scan-result row ${p.rowId}`;
  const rowIds: number[] = [];
  for (const c of computers) {
    const cells = endpointDetailsRow(c, description, ctx.now());
    delete cells.quarantine_command_state;
    delete cells.quarantine_commandid;
    rowIds.push(await upsertEndpointRow(ctx, p.incidentId, c, cells, description));
  }
  return { found: computers.length, rowIds };
}

async function quarantine(p: PlaybookPayload<'quarantine-endpoint'>, ctx: JobContext, undo: boolean): Promise<unknown> {
  const computer = await findOneComputer(ctx, p);
  const target = targetOf(computer);
  if (!undo) {
    const gate = await containmentGate(ctx, p.incidentId, 'quarantine', target);
    if (!gate.run) return { dryRun: true, note: gate.note };
  }
  const out = await ctx.sepm.quarantineEndpoints({ computerIds: [computer.uniqueId], undo });
  const commandId = out.commandID_computer ?? out.commandID_group;
  if (!commandId) throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, 'quarantine returned no command id');
  const rowId = await upsertEndpointRow(ctx, p.incidentId, computer, {
    quarantine_commandid: commandId,
    quarantine_command_state: 'In progress',
  });
  await scheduleTracking(ctx, {
    incidentId: p.incidentId,
    commandId,
    kind: 'quarantine',
    startedAt: ctx.now().getTime(),
    rowId,
  });
  if (undo) {
    await ctx.soar.addNote(
      p.incidentId,
      `Un-quarantine of ${computer.computerName} (${computer.uniqueId}) requested by ${ctx.meta.requestedBy}; command ${commandId}. Undo: run quarantine-endpoint for computerId ${computer.uniqueId}.`,
    );
  } else {
    await auditAction(ctx, p.incidentId, 'quarantine', { ...target, computerId: computer.uniqueId }, { commandId });
  }
  return { commandId, rowId, computerId: computer.uniqueId };
}

export const quarantineEndpoint = (p: PlaybookPayload<'quarantine-endpoint'>, ctx: JobContext) =>
  quarantine(p, ctx, false);
export const unquarantineEndpoint = (p: PlaybookPayload<'unquarantine-endpoint'>, ctx: JobContext) =>
  quarantine(p, ctx, true);

export async function quarantineStatus(p: PlaybookPayload<'quarantine-status'>, ctx: JobContext): Promise<unknown> {
  const computer = await findOneComputer(ctx, p);
  const status = endpointQuarantineStatus(computer);
  const rowId = await upsertEndpointRow(ctx, p.incidentId, computer, { endpoint_quarantine_status: status });
  return { computerId: computer.uniqueId, status, rowId };
}

export async function moveEndpoint(p: PlaybookPayload<'move-endpoint-playbook'>, ctx: JobContext): Promise<unknown> {
  const computer = await findOneComputer(ctx, p);
  const target = targetOf(computer);
  // The destination is gated too: moving a host into a protected group would shield it from later containment.
  const dest = await resolveOneGroup(ctx, p.groupId, 'move');
  const gate = await containmentGate(ctx, p.incidentId, 'move', [target, { group: groupPathOf(dest)! }]);
  if (!gate.run) return { dryRun: true, note: gate.note };
  if (!computer.hardwareKey) throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, 'computer record has no hardwareKey');
  const out = await ctx.sepm.moveEndpoint({ groupId: dest.id, hardwareKey: computer.hardwareKey });
  const failed = out.results.filter((r) => r.responseMessage !== 'OK');
  if (failed.length > 0) {
    throw new AppError(ErrorCodes.SEPM_BAD_REQUEST, `move refused: ${failed.map((f) => f.responseMessage).join('; ')}`);
  }
  const previous = out.previousGroupId ?? computer.group?.id ?? null;
  const rows = await ctx.soar.listTableRows(p.incidentId, T);
  const row = rows.find((r) => r.cells.uniqueId === computer.uniqueId);
  if (row) await ctx.soar.updateTableRow(p.incidentId, T, row.id, { group_id: p.groupId });
  await auditAction(
    ctx,
    p.incidentId,
    'move',
    {
      ...target,
      computerId: computer.uniqueId,
      groupId: p.groupId,
      ...(previous ? { previousGroupId: previous } : {}),
    },
    { detail: `Moved to group ${p.groupId}; previous group id: ${previous ?? 'unknown'}.` },
  );
  return { previousGroupId: previous, groupId: p.groupId, computerId: computer.uniqueId };
}

import { SepTables, type CellValue } from '../../soar/port.ts';
import { ArtifactTypes, type ArtifactType } from '../../mail/types.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { hashTypeOf, type GetComputersOutput } from '../../sepm/functions/schemas.ts';
import { evaluateContainment } from '../containment/index.ts';
import { cell, findRow, type JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { scheduleTracking } from '../tracking/schedule.ts';
import { executionDate, SCAN_RESULT } from '../rows/command-rows.ts';
import { auditAction, containmentGate, type ContainmentTarget } from '../containment/playbooks.ts';
import { targetOf } from '../containment/targets.ts';
import { normaliseId, unresolved } from '../containment/group-members.ts';
import { findComputers, findOneComputer } from './lookups.ts';

/** EOC scan, remediation and scan-row playbooks (docs/reference/sep-functions.md §3 Function rules and §7 Playbook derivations). */

const T = SepTables.eocScanResults;

/** The scan-endpoints slot an artifact goes into. */
export function scanSlot(type: string, value: string): Record<string, string> {
  switch (type) {
    case ArtifactTypes.filePath:
    case ArtifactTypes.fileName:
      return { filePath: value };
    case ArtifactTypes.md5:
      return { md5: value };
    case ArtifactTypes.sha1:
      return { sha1: value };
    case ArtifactTypes.sha256:
      return { sha256: value };
    default:
      throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `artifact type '${type}' cannot be scanned for`);
  }
}

/** Hash slot by length (64 SHA-256, 40 SHA-1, 32 MD5). */
export function hashSlot(hash: string): Record<string, string> {
  const t = hashTypeOf(hash);
  if (t === 'SHA256') return { sha256: hash };
  if (t === 'SHA1') return { sha1: hash };
  if (t === 'MD5') return { md5: hash };
  throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `'${hash}' is not an MD5, SHA-1 or SHA-256 hash`);
}

export function scanDescription(type: string, value: string): string {
  return type === ArtifactTypes.filePath || type === ArtifactTypes.fileName
    ? `Scan eoc for artifact of type ${type} and value ${value} in the SEP environment.`
    : `Scan eoc for suspicious hash of type ${type} and value ${value} in the SEP environment.`;
}

function matchingIds(out: GetComputersOutput): string[] {
  return 'endpoints_matching_ids' in out && Array.isArray(out.endpoints_matching_ids) ? out.endpoints_matching_ids : [];
}

function commandIdOf(out: { commandID_computer?: string; commandID_group?: string }, what: string): string {
  const id = out.commandID_computer ?? out.commandID_group;
  if (!id) throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `${what} returned no command id`);
  return id;
}

/**
 * Endpoint ids per EOC command. The ids travel in the query string and SEPM's Tomcat refuses request lines over
 * 8 KiB (a 32-hex id costs 46 bytes as a repeated key), so a large estate is scanned by several commands.
 */
export const SCAN_CHUNK = 100;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function eocScanArtifact(p: PlaybookPayload<'eoc-scan-artifact'>, ctx: JobContext): Promise<unknown> {
  const ids = matchingIds(await ctx.sepm.getComputers({ matchingEndpointIds: true }));
  if (ids.length === 0) {
    await ctx.soar.addNote(p.incidentId, `EOC scan for '${p.artifact.value}' not started: SEPM has no endpoints.`);
    return { endpoints: 0 };
  }
  const commands: { commandId: string; rowId: number }[] = [];
  for (const batch of chunk(ids, SCAN_CHUNK)) commands.push(await startScan(p, batch, ctx));
  return { endpoints: ids.length, commandId: commands[0]!.commandId, rowId: commands[0]!.rowId, commands };
}

async function startScan(
  p: PlaybookPayload<'eoc-scan-artifact'>,
  ids: string[],
  ctx: JobContext,
): Promise<{ commandId: string; rowId: number }> {
  const out = await ctx.sepm.scanEndpoints({
    computerIds: ids,
    scanType: `${p.scanType}_SCAN`,
    description: scanDescription(p.artifact.type, p.artifact.value),
    ...scanSlot(p.artifact.type, p.artifact.value),
  });
  const commandId = commandIdOf(out, 'scan');
  const row = await ctx.soar.addTableRow(p.incidentId, T, {
    artifact_id: p.artifactId ?? null,
    artifact_type: p.artifact.type,
    artifact_value: p.artifact.value,
    scan_type: p.scanType,
    scan_commandid: commandId,
    scan_command_state: 'In progress',
    scan_result: SCAN_RESULT.query,
    query_execution_date: executionDate(ctx.now()),
  });
  await scheduleTracking(ctx, {
    incidentId: p.incidentId,
    commandId,
    kind: 'scan',
    startedAt: ctx.now().getTime(),
    rowId: row.id,
    artifact: p.artifact,
    artifactId: p.artifactId,
    scanType: p.scanType,
  });
  return { commandId, rowId: row.id };
}

/**
 * A scan row names its computer by id (and name) as SEPM reported it at scan time; the gate needs what SEPM says
 * now: the computer's current name, every address and its group. An id SEPM no longer knows is refused (fail
 * closed); a row name that differs from SEPM's is checked as well.
 */
async function rowTargets(
  ctx: JobContext,
  computerId: string,
  rowName: string,
): Promise<{ target: ContainmentTarget; targets: ContainmentTarget[] }> {
  const found = await findComputers(ctx, { computerId: normaliseId(computerId) });
  if (found.length === 0) throw unresolved('remediate', 'computer', [computerId]);
  const targets = found.map(targetOf);
  if (rowName && !found.some((c) => c.computerName?.toLowerCase() === rowName.toLowerCase())) {
    targets.push({ computer: rowName });
  }
  return { target: targets[0]!, targets };
}

async function remediateRow(p: PlaybookPayload<'remediate-artifact'>, rowId: number, ctx: JobContext) {
  const row = await findRow(ctx, p.incidentId, T, rowId);
  const computerId = cell(row, 'computer_id');
  const hash = cell(row, 'hash_value');
  const path = cell(row, 'file_path');
  if (!computerId || !hash) {
    throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `row ${rowId} has no computer_id or hash_value to remediate`);
  }
  const { target, targets } = await rowTargets(ctx, computerId, cell(row, 'computer_name'));
  const gate = await containmentGate(ctx, p.incidentId, 'remediate', targets);
  if (!gate.run) return { dryRun: true, note: gate.note };
  const scanType = (cell(row, 'scan_type') || p.scanType) === 'FULL' ? 'FULL_SCAN' : 'QUICK_SCAN';
  const out = await ctx.sepm.scanEndpoints({
    computerIds: [computerId],
    scanType,
    scanAction: 'remediate',
    description: `Remediate endpoint for suspect file '${path}'.`,
    ...(path ? { filePath: path } : {}),
    ...hashSlot(hash),
  });
  const commandId = commandIdOf(out, 'remediation');
  await ctx.soar.updateTableRow(p.incidentId, T, rowId, {
    remediation_commandid: commandId,
    remediation_status: 'In progress',
  });
  const startedAt = ctx.now().getTime();
  await scheduleTracking(ctx, { incidentId: p.incidentId, commandId, kind: 'remediation', startedAt, rowId });
  await auditAction(
    ctx,
    p.incidentId,
    'remediate',
    { ...target, computerId, hash },
    {
      commandId,
      detail: `File: ${path}.`,
    },
  );
  return { commandId, rowId };
}

/** Every endpoint except protected ones (checked per computer: one gate target cannot name them all). */
async function remediationTargets(ctx: JobContext): Promise<string[]> {
  const out = await ctx.sepm.getComputers({ allPages: true });
  const computers = 'content' in out && Array.isArray(out.content) ? out.content : [];
  const policy = ctx.config.policy;
  return computers
    .filter((c) => evaluateContainment({ action: 'remediate', automatic: false, target: targetOf(c) }, policy).allowed)
    .map((c) => c.uniqueId);
}

async function remediateArtifactHash(p: PlaybookPayload<'remediate-artifact'>, ctx: JobContext) {
  const artifact = p.artifact!;
  const one = p.computer ? await findOneComputer(ctx, { computer: p.computer }) : undefined;
  const target = one ? targetOf(one) : { computer: 'all matching endpoints' };
  const gate = await containmentGate(ctx, p.incidentId, 'remediate', target);
  if (!gate.run) return { dryRun: true, note: gate.note };
  const ids = one ? [one.uniqueId] : await remediationTargets(ctx);
  if (ids.length === 0) throw new AppError(ErrorCodes.POLICY_DENIED, 'no unprotected endpoint to remediate');
  const commandIds: string[] = [];
  let firstRow = 0;
  for (const batch of chunk(ids, SCAN_CHUNK)) {
    const { commandId, rowId } = await startRemediation(p, batch, ctx);
    commandIds.push(commandId);
    firstRow ||= rowId;
  }
  await auditAction(
    ctx,
    p.incidentId,
    'remediate',
    { ...target, hash: artifact.value },
    {
      commandId: commandIds.join(', '),
      detail: `On ${ids.length} endpoint(s).`,
    },
  );
  return { commandId: commandIds[0], commandIds, endpoints: ids.length, rowId: firstRow };
}

async function startRemediation(
  p: PlaybookPayload<'remediate-artifact'>,
  ids: string[],
  ctx: JobContext,
): Promise<{ commandId: string; rowId: number }> {
  const artifact = p.artifact!;
  const out = await ctx.sepm.scanEndpoints({
    computerIds: ids,
    scanType: `${p.scanType}_SCAN`,
    scanAction: 'remediate',
    description: `Remediate endpoint for suspect file '${p.filePath ?? artifact.value}'.`,
    ...(p.filePath ? { filePath: p.filePath } : {}),
    ...hashSlot(artifact.value),
  });
  const commandId = commandIdOf(out, 'remediation');
  const cells: Record<string, CellValue> = {
    artifact_type: artifact.type,
    artifact_value: artifact.value,
    scan_type: p.scanType,
    scan_result: SCAN_RESULT.query,
    remediation_commandid: commandId,
    remediation_status: 'In progress',
    query_execution_date: executionDate(ctx.now()),
  };
  const row = await ctx.soar.addTableRow(p.incidentId, T, cells);
  const startedAt = ctx.now().getTime();
  await scheduleTracking(ctx, { incidentId: p.incidentId, commandId, kind: 'remediation', startedAt, rowId: row.id });
  return { commandId, rowId: row.id };
}

export async function remediateArtifact(p: PlaybookPayload<'remediate-artifact'>, ctx: JobContext): Promise<unknown> {
  return p.rowId !== undefined ? remediateRow(p, p.rowId, ctx) : remediateArtifactHash(p, ctx);
}

const ROW_FIELD: Record<string, string> = {
  [ArtifactTypes.sha256]: 'hash_value',
  [ArtifactTypes.systemName]: 'computer_name',
  [ArtifactTypes.filePath]: 'file_path',
};

export async function addArtifactFromScanRow(
  p: PlaybookPayload<'add-artifact-from-scan-row'>,
  ctx: JobContext,
): Promise<unknown> {
  const row = await findRow(ctx, p.incidentId, T, p.rowId);
  const value = cell(row, ROW_FIELD[p.artifactType]!);
  if (!cell(row, 'computer_name') || !value) {
    throw new AppError(
      ErrorCodes.JOB_PAYLOAD_INVALID,
      `row ${p.rowId} lacks computer_name or the ${p.artifactType} value`,
    );
  }
  const description = `Detected by Symantec SEP Eoc Scan for artifact of type '${cell(row, 'artifact_type')}' and value '${cell(row, 'artifact_value')}' by function 'fn_sep_scan_endpoints' for Symantec SEP.`;
  const added = await ctx.soar.addArtifacts(p.incidentId, [
    { type: p.artifactType as ArtifactType, value, description },
  ]);
  return { added: added.length, value };
}

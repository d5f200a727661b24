import { type CellValue } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';
import { ArtifactTypes, type ArtifactType } from '../../mail/types.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { hashTypeOf } from '../../sepm/functions/schemas.ts';
import { evaluateContainment } from '../containment/index.ts';
import { cell, findRow, type JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { scheduleTracking } from '../tracking/schedule.ts';
import { executionDate, SCAN_RESULT } from '../rows/command-rows.ts';
import { auditAction, containmentGate, type ContainmentTarget } from '../containment/playbooks.ts';
import { targetOf } from '../containment/targets.ts';
import { normaliseId, unresolved } from '../containment/group-members.ts';
import { findComputers, findOneComputer } from './lookups.ts';
import { scanMatchingIds } from '../tracking/scan-stream.ts';

/** Remediation and scan-row playbooks (the scan itself: scan-artifact.ts) (docs/reference/sep-functions.md §3 Function rules and §7 Playbook derivations). */

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

export function commandIdOf(out: { commandID_computer?: string; commandID_group?: string }, what: string): string {
  const id = out.commandID_computer ?? out.commandID_group;
  if (!id) throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `${what} returned no command id`);
  return id;
}

/**
 * Endpoint ids per remediation command. The ids travel in the query string and SEPM's Tomcat refuses request lines
 * over 8 KiB (a 32-hex id costs 46 bytes as a repeated key), so many matched endpoints take several commands.
 * (A scan never lists computers: it targets groups, scan-artifact.ts.)
 */
export const SCAN_CHUNK = 100;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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

/**
 * "On all matching endpoints" means the endpoints where this incident's EOC scans of the hash found it (every
 * match, not only the rows kept under the results limit), minus protected ones (checked per computer). Reading
 * the matches costs the scan's status pages; no estate read.
 */
async function remediationTargets(ctx: JobContext, incidentId: number, hash: string): Promise<string[]> {
  const rows = await ctx.soar.listTableRows(incidentId, T);
  const scans = rows.filter(
    (r) =>
      !cell(r, 'computer_id') &&
      cell(r, 'scan_commandid') &&
      cell(r, 'artifact_value').toLowerCase() === hash.toLowerCase(),
  );
  const commandIds = [...new Set(scans.map((r) => cell(r, 'scan_commandid')))];
  if (commandIds.length === 0) {
    throw new AppError(
      ErrorCodes.JOB_PAYLOAD_INVALID,
      `incident ${incidentId} has no EOC scan of ${hash}: run eoc-scan-artifact first (remediation targets only the endpoints where the scan found it)`,
    );
  }
  const ids: string[] = [];
  for (const id of await scanMatchingIds(ctx.client, commandIds)) {
    const found = await findComputers(ctx, { computerId: normaliseId(id) });
    const c = found[0];
    if (!c) continue;
    const allowed = evaluateContainment(
      { action: 'remediate', automatic: false, target: targetOf(c) },
      ctx.config.policy,
    );
    if (allowed.allowed && !ids.includes(c.uniqueId)) ids.push(c.uniqueId);
  }
  return ids;
}

async function remediateArtifactHash(p: PlaybookPayload<'remediate-artifact'>, ctx: JobContext) {
  const artifact = p.artifact!;
  const one = p.computer ? await findOneComputer(ctx, { computer: p.computer }) : undefined;
  const target = one ? targetOf(one) : { computer: 'all matching endpoints' };
  const gate = await containmentGate(ctx, p.incidentId, 'remediate', target);
  if (!gate.run) return { dryRun: true, note: gate.note };
  const ids = one ? [one.uniqueId] : await remediationTargets(ctx, p.incidentId, artifact.value);
  if (ids.length === 0) throw new AppError(ErrorCodes.POLICY_DENIED, 'no unprotected matching endpoint to remediate');
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

import { SepTables } from '../../soar/sep-tables.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmGroup } from '../../sepm/functions/types.ts';
import type { JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { scheduleTracking } from '../tracking/schedule.ts';
import { trackCommand } from '../tracking/track.ts';
import { claimScan, joinScan, scanMembers, type Claim, type ScanShare } from '../tracking/scan-share.ts';
import { executionDate, SCAN_RESULT } from '../rows/command-rows.ts';
import { registerPending } from '../tracking/pending-commands.ts';
import { commandIdOf, scanDescription, scanSlot } from './scan.ts';

/**
 * The EOC scan of one artifact over the whole estate as ONE logical operation (docs/reference/sep-functions.md §7
 * "EOC scan"): one SEPM command aimed at the top-level group of every domain (SEPM runs a group command on the
 * group and all its subgroups, docs/reference/sepm-rest-api.md §6.6), one Query row, one tracking job, one results
 * limit, one CSV, one note. Starting costs GET /groups (one page) and one POST /command-queue/eoc whatever the
 * estate size; no computer record is read. The same artifact asked for by other incidents within the window joins
 * the running command (scan-share.ts) instead of starting another one.
 */

type ScanPayload = PlaybookPayload<'eoc-scan-artifact'>;

/** Groups per GET /groups page: one page holds any realistic group tree (SEPM's default is 25). */
const GROUP_PAGE_SIZE = 1000;

interface EstateTargets {
  groupIds: string[];
  names: string[];
  /** Sum of numberOfPhysicalComputers over every group: what the scan should reach. */
  endpoints: number;
}

function isTopGroup(g: SepmGroup): boolean {
  return !(g.fullPathName ?? g.name).includes('\\');
}

export async function estateTargets(ctx: JobContext): Promise<EstateTargets> {
  const page = await ctx.sepm.getGroups({ pageSize: GROUP_PAGE_SIZE });
  const top = page.content.filter(isTopGroup);
  const endpoints = page.content.reduce((n, g) => n + (g.numberOfPhysicalComputers ?? 0), 0);
  return { groupIds: top.map((g) => g.id), names: top.map((g) => g.fullPathName ?? g.name), endpoints };
}

async function addQueryRow(p: ScanPayload, commandId: string, startedAt: number, ctx: JobContext): Promise<number> {
  const row = await ctx.soar.addTableRow(p.incidentId, SepTables.eocScanResults, {
    artifact_id: p.artifactId ?? null,
    artifact_type: p.artifact.type,
    artifact_value: p.artifact.value,
    scan_type: p.scanType,
    scan_commandid: commandId,
    scan_command_state: 'In progress',
    scan_result: SCAN_RESULT.query,
    // The scan's real start: get-scan-results reads it back to judge the timeout.
    query_execution_date: executionDate(new Date(startedAt)),
  });
  return row.id;
}

export async function eocScanArtifact(p: ScanPayload, ctx: JobContext): Promise<unknown> {
  // Automatic work joins any scan of the window; an explicit request joins only one still running.
  const claim = await claimScan(ctx, p.artifact, p.scanType, { freshOnly: ctx.meta.requestedBy !== 'auto' });
  if (claim.kind === 'starting') {
    throw new AppError(ErrorCodes.SCAN_SHARE_STARTING, `the EOC scan of '${p.artifact.value}' is being started`, {
      retryable: true,
    });
  }
  if (claim.kind === 'shared') return joinShared(p, claim.share, ctx);
  try {
    return await startScan(p, claim, ctx);
  } catch (err) {
    await claim.release();
    throw err;
  }
}

async function startScan(p: ScanPayload, claim: Extract<Claim, { kind: 'leader' }>, ctx: JobContext) {
  const targets = await estateTargets(ctx);
  if (targets.groupIds.length === 0) {
    await claim.release();
    await ctx.soar.addNote(p.incidentId, `EOC scan for '${p.artifact.value}' not started: SEPM has no groups.`);
    return { endpoints: 0 };
  }
  const out = await ctx.sepm.scanEndpoints({
    groupIds: targets.groupIds,
    scanType: `${p.scanType}_SCAN`,
    description: scanDescription(p.artifact.type, p.artifact.value),
    ...scanSlot(p.artifact.type, p.artifact.value),
  });
  const commandId = commandIdOf(out, 'scan');
  const startedAt = ctx.now().getTime();
  const rowId = await addQueryRow(p, commandId, startedAt, ctx);
  await claim.publish({ commandId, startedAt, incidentId: p.incidentId });
  await joinScan(ctx, commandId, { incidentId: p.incidentId, rowId, artifactId: p.artifactId });
  await scheduleTracking(ctx, {
    incidentId: p.incidentId,
    commandId,
    kind: 'scan',
    startedAt,
    rowId,
    artifact: p.artifact,
    artifactId: p.artifactId,
    scanType: p.scanType,
  });
  return { commandId, rowId, endpoints: targets.endpoints, groups: targets.names, commands: [{ commandId, rowId }] };
}

/** Another incident's scan of the same artifact is running (or just ended): this incident gets its own row on it. */
async function joinShared(p: ScanPayload, share: ScanShare, ctx: JobContext) {
  const mine = (await scanMembers(ctx, share.commandId)).find((m) => m.incidentId === p.incidentId);
  if (mine) {
    const ago = Math.round((ctx.now().getTime() - share.startedAt) / 1000);
    const reason = `the same scan started ${ago} s ago: SEPM command ${share.commandId}`;
    return { commandId: share.commandId, rowId: mine.rowId, shared: true, already: true, reason };
  }
  const rowId = await addQueryRow(p, share.commandId, share.startedAt, ctx);
  const running = await joinScan(ctx, share.commandId, { incidentId: p.incidentId, rowId, artifactId: p.artifactId });
  const { commandId, startedAt } = share;
  if (running) await registerPending(ctx, p.incidentId, { commandId, kind: 'scan', rowId, startedAt });
  const ago = Math.round((ctx.now().getTime() - share.startedAt) / 1000);
  await ctx.soar.addNote(
    p.incidentId,
    `EOC scan for '${p.artifact.value}' shared: the same estate-wide scan (SEPM command ${share.commandId}) was ` +
      `started ${ago} s ago for incident ${share.incidentId}; its results are written here as well.`,
  );
  if (!running) {
    // The tracker has already finished: read the results once for this incident.
    await trackCommand(
      {
        incidentId: p.incidentId,
        commandId: share.commandId,
        kind: 'scan',
        attempt: 0,
        startedAt: share.startedAt,
        rowId,
        artifact: p.artifact,
        artifactId: p.artifactId,
        scanType: p.scanType,
        once: true,
      },
      ctx,
    );
  }
  return { commandId: share.commandId, rowId, shared: true };
}

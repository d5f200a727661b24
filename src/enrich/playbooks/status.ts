import { SepTables } from '../../soar/sep-tables.ts';
import type { EndpointStatusDetails, EndpointStatusSummary } from '../../sepm/functions/schemas.ts';
import type { JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { criticalEventRow, groupRow, nonCompliantRow, statusSummaryRow } from '../rows/table-rows.ts';

/** Read-only estate playbooks: status summary, non-compliant details, groups, critical events. */

export async function endpointsStatusSummary(
  p: PlaybookPayload<'endpoints-status-summary'>,
  ctx: JobContext,
): Promise<unknown> {
  const summary = (await ctx.sepm.getComputers({ status: true })) as EndpointStatusSummary;
  const row = await ctx.soar.addTableRow(
    p.incidentId,
    SepTables.statusSummary,
    statusSummaryRow({ ...summary }, ctx.now()),
  );
  return { summary, rowId: row.id };
}

export async function nonCompliantDetails(
  p: PlaybookPayload<'non-compliant-details'>,
  ctx: JobContext,
): Promise<unknown> {
  const details = (await ctx.sepm.getComputers({ statusDetails: true })) as EndpointStatusDetails;
  const eps = details.eps ?? [];
  const limit = ctx.config.sepm.resultsLimit;
  for (const ep of eps.slice(0, limit)) {
    await ctx.soar.addTableRow(p.incidentId, SepTables.nonCompliantDetails, nonCompliantRow({ ...ep }, ctx.now()));
  }
  if (eps.length > limit) {
    await ctx.soar.addNote(p.incidentId, `${eps.length} non-compliant endpoints; the first ${limit} are in the table.`);
  }
  return { nonCompliant: details.non_compliant, rows: Math.min(eps.length, limit) };
}

export async function groupsInfo(p: PlaybookPayload<'groups-info'>, ctx: JobContext): Promise<unknown> {
  const page = await ctx.sepm.getGroups(p.fullPathName ? { fullPathName: p.fullPathName } : {});
  const existing = await ctx.soar.listTableRows(p.incidentId, SepTables.groups);
  const byId = new Map(existing.map((r) => [String(r.cells.group_id), r.id]));
  for (const g of page.content) {
    const cells = groupRow({ ...g }, ctx.now());
    const rowId = byId.get(String(cells.group_id));
    if (rowId !== undefined) await ctx.soar.updateTableRow(p.incidentId, SepTables.groups, rowId, cells);
    else await ctx.soar.addTableRow(p.incidentId, SepTables.groups, cells);
  }
  return { groups: page.content.length };
}

export async function criticalEvents(p: PlaybookPayload<'critical-events'>, ctx: JobContext): Promise<unknown> {
  const out = await ctx.sepm.getCriticalEvents({
    includeAcknowledged: p.includeAcknowledged,
    resultsLimit: p.limit,
  });
  const existing = await ctx.soar.listTableRows(p.incidentId, SepTables.criticalEvents);
  const seen = new Set(existing.map((r) => String(r.cells.event_id)));
  let added = 0;
  for (const ev of out.criticalEventsInfoList.slice(0, p.limit)) {
    const cells = criticalEventRow({ ...ev });
    if (seen.has(String(cells.event_id))) continue;
    await ctx.soar.addTableRow(p.incidentId, SepTables.criticalEvents, cells);
    added++;
  }
  return { events: out.criticalEventsInfoList.length, added };
}

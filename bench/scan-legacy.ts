/**
 * The chunked EOC scan as it was before a scan became one operation (kept for bench/enrich-scan.ts only, so the
 * old and new cost can be printed side by side in one run): read every computer record with
 * `get-computers {matchingEndpointIds: true}`, then one command, Query row and tracking job per 100 endpoints.
 */
import { SepTables } from '../src/soar/sep-tables.ts';
import type { JobContext } from '../src/enrich/jobs/context.ts';
import type { PlaybookPayload } from '../src/jobs/playbook-schemas.ts';
import { commandIdOf, scanDescription, scanSlot } from '../src/enrich/playbooks/scan.ts';
import { executionDate, SCAN_RESULT } from '../src/enrich/rows/command-rows.ts';
import type { GetComputersOutput } from '../src/sepm/functions/schemas.ts';

const SCAN_CHUNK = 100;

function matchingIds(out: GetComputersOutput): string[] {
  return 'endpoints_matching_ids' in out && Array.isArray(out.endpoints_matching_ids) ? out.endpoints_matching_ids : [];
}

export async function legacyEocScanArtifact(
  p: PlaybookPayload<'eoc-scan-artifact'>,
  ctx: JobContext,
): Promise<{ commandId: string; rowId: number }[]> {
  const ids = matchingIds(await ctx.sepm.getComputers({ matchingEndpointIds: true }));
  const commands: { commandId: string; rowId: number }[] = [];
  for (let i = 0; i < ids.length; i += SCAN_CHUNK) {
    const input = {
      computerIds: ids.slice(i, i + SCAN_CHUNK),
      scanType: `${p.scanType}_SCAN` as const,
      description: scanDescription(p.artifact.type, p.artifact.value),
      ...scanSlot(p.artifact.type, p.artifact.value),
    };
    // Parsing the 50,000-record read can outlast the simulator's keep-alive: the first POST may hit a closed
    // socket (POSTs are not retried by the client; BullMQ would retry the job). One retry keeps the bench going.
    const out = await ctx.sepm.scanEndpoints(input).catch(() => ctx.sepm.scanEndpoints(input));
    const commandId = commandIdOf(out, 'scan');
    const row = await ctx.soar.addTableRow(p.incidentId, SepTables.eocScanResults, {
      artifact_type: p.artifact.type,
      artifact_value: p.artifact.value,
      scan_type: p.scanType,
      scan_commandid: commandId,
      scan_command_state: 'In progress',
      scan_result: SCAN_RESULT.query,
      query_execution_date: executionDate(ctx.now()),
    });
    commands.push({ commandId, rowId: row.id });
  }
  return commands;
}

import { SEP_FUNCTION_NAMES, type SepFunctionName } from '../../sepm/functions/schemas.ts';
import { autoEnrich } from '../playbooks/auto.ts';
import {
  addHashToBlacklist,
  assignBlacklistToLockdownGroup,
  blacklistInfo,
  deleteBlacklist,
  deleteHashFromBlacklist,
} from '../playbooks/blacklist.ts';
import {
  endpointDetails,
  moveEndpoint,
  quarantineEndpoint,
  quarantineStatus,
  unquarantineEndpoint,
} from '../playbooks/endpoint.ts';
import { addArtifactFromScanRow, remediateArtifact } from '../playbooks/scan.ts';
import { eocScanArtifact } from '../playbooks/scan-artifact.ts';
import { criticalEvents, endpointsStatusSummary, groupsInfo, nonCompliantDetails } from '../playbooks/status.ts';
import { attachFileContent, getUploadStatus, uploadFilePlaybook } from '../playbooks/upload.ts';
import { trackCommand } from '../tracking/track.ts';
import { cancelIncidentCommands, commandStartedAt } from '../tracking/pending-commands.ts';
import type { Handler, JobContext } from './context.ts';
import { guardSepFunction } from '../containment/function-guard.ts';
import type { PlaybookName, PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import type { JobName } from '../../jobs/catalog.ts';

/**
 * Job name → handler. The playbook map is a typed literal, so a playbook without a handler does not compile;
 * SEP functions share one handler (the job's return value is the function's result), generated from the
 * function list so none can be missing.
 */

function sepFunctionHandler(name: SepFunctionName): Handler<unknown> {
  return async (input: unknown, ctx: JobContext) => {
    const guarded = await guardSepFunction(ctx, name, input);
    if (guarded.gate && !guarded.gate.run) {
      return { success: true, reason: 'dry run: nothing sent to SEPM', content: guarded.gate.note };
    }
    return ctx.sepm.run(name, guarded.input);
  };
}

async function getScanResults(p: PlaybookPayload<'get-scan-results'>, ctx: JobContext): Promise<unknown> {
  const rows = await ctx.soar.listTableRows(p.incidentId, 'sep_eoc_scan_results');
  const query = rows.find((r) => r.cells.scan_commandid === p.commandId && r.cells.computer_id == null);
  return trackCommand(
    {
      incidentId: p.incidentId,
      commandId: p.commandId,
      kind: 'scan',
      attempt: 0,
      startedAt: await commandStartedAt(ctx, p.incidentId, p.commandId, query),
      rowId: query?.id,
      once: true,
    },
    ctx,
  );
}

const playbookHandlers: { [K in PlaybookName]: Handler<PlaybookPayload<K>> } = {
  'endpoint-details': endpointDetails,
  'eoc-scan-artifact': eocScanArtifact,
  'get-scan-results': getScanResults,
  'remediate-artifact': remediateArtifact,
  'upload-file-playbook': uploadFilePlaybook,
  'get-upload-status': getUploadStatus,
  'cancel-incident-commands': (p, ctx) => cancelIncidentCommands(ctx, p.incidentId),
  'attach-file-content': attachFileContent,
  'endpoints-status-summary': endpointsStatusSummary,
  'non-compliant-details': nonCompliantDetails,
  'move-endpoint-playbook': moveEndpoint,
  'quarantine-endpoint': quarantineEndpoint,
  'unquarantine-endpoint': unquarantineEndpoint,
  'quarantine-status': quarantineStatus,
  'blacklist-info': blacklistInfo,
  'add-hash-to-blacklist': addHashToBlacklist,
  'delete-hash-from-blacklist': deleteHashFromBlacklist,
  'delete-blacklist': deleteBlacklist,
  'groups-info': groupsInfo,
  'assign-blacklist-to-lockdown-group': assignBlacklistToLockdownGroup,
  'add-artifact-from-scan-row': addArtifactFromScanRow,
  'critical-events': criticalEvents,
  'auto-enrich': autoEnrich,
  'track-command': trackCommand,
};

const sepHandlers = Object.fromEntries(SEP_FUNCTION_NAMES.map((n) => [n, sepFunctionHandler(n)])) as Record<
  SepFunctionName,
  Handler<unknown>
>;

export const handlers: Record<JobName, Handler<never>> = { ...sepHandlers, ...playbookHandlers };

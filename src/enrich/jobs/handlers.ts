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
  endpointDetailsFromScanRow,
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
import { attachCsvOnce } from '../playbooks/attachments.ts';
import { validateSepInput } from '../../sepm/functions/functions.ts';
import { cancelIncidentCommands, commandStartedAt } from '../tracking/pending-commands.ts';
import type { Handler, JobContext } from './context.ts';
import { guardSepFunction } from '../containment/function-guard.ts';
import type { PlaybookName, PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import type { JobName, JobPayloadMap, ValidJob } from '../../jobs/catalog.ts';

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
    if (name === 'get-command-status') return commandStatusWithCsv(ctx, guarded.input);
    return ctx.sepm.run(name, guarded.input);
  };
}

/** fn_sep's Get Command Status attaches its CSV to `sep_incident_id`: so does the raw job given `incidentId`. */
async function commandStatusWithCsv(ctx: JobContext, input: unknown): Promise<unknown> {
  const result = await ctx.sepm.run('get-command-status', input);
  const incidentId = validateSepInput('get-command-status', input).incidentId;
  const csv = result.success ? result.content.csv : undefined;
  if (incidentId === undefined || !csv) return result;
  return { ...result, attachment: await attachCsvOnce(ctx, Number(incidentId), csv) };
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
  'endpoint-details-from-scan-row': endpointDetailsFromScanRow,
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

/** Every job name has a handler for exactly its payload type. */
export type JobHandlers = { [K in JobName]: Handler<JobPayloadMap[K]> };

export const handlers: JobHandlers = { ...sepHandlers, ...playbookHandlers };

/** Runs the handler of a parsed job: name and payload type stay paired, so no cast is needed. */
export function runHandler<K extends JobName>(job: ValidJob<K>, ctx: JobContext): Promise<unknown> {
  return dispatch(job.name, job.payload, ctx);
}

function dispatch<K extends JobName>(name: K, payload: JobPayloadMap[K], ctx: JobContext): Promise<unknown> {
  const handler: Handler<JobPayloadMap[K]> = handlers[name];
  return handler(payload, ctx);
}

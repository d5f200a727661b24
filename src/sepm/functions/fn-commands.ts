import type { SepmConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmClient } from '../client/client.ts';
import { processCommandStatus } from '../results/command-status.ts';
import { buildEocXml } from '../results/eoc-xml.ts';
import { decodeSepmFileZip } from '../results/file-content.ts';
import type {
  CancelCommandInput,
  GetCommandStatusInput,
  GetCriticalEventsInput,
  GetFileContentInput,
  QuarantineEndpointsInput,
  ScanEndpointsInput,
  UploadFileInput,
} from './schemas.ts';
import type {
  CommandIds,
  CommandStatusEntry,
  CriticalEventsOutput,
  GetCommandStatusOutput,
  SepResult,
} from './types.ts';

/** Command-queue functions and critical events (docs/reference/sep-functions.md §3 Function rules). */

const seg = encodeURIComponent;

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `SEPM answer has no ${what}`);
  }
  return value;
}

function commandIdsOf(answer: unknown, what: string): CommandIds {
  const o = (answer && typeof answer === 'object' ? answer : {}) as Record<string, unknown>;
  const out: CommandIds = {};
  if (typeof o.commandID_computer === 'string') out.commandID_computer = o.commandID_computer;
  if (typeof o.commandID_group === 'string') out.commandID_group = o.commandID_group;
  if (!out.commandID_computer && !out.commandID_group) {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `SEPM ${what}: answer has no command id`);
  }
  return out;
}

export async function quarantineEndpoints(
  client: SepmClient,
  input: QuarantineEndpointsInput,
): Promise<SepResult<CommandIds>> {
  const answer = await client.request('POST', '/command-queue/quarantine', {
    query: {
      computer_ids: input.computerIds,
      group_ids: input.groupIds,
      hardware_ids: input.hardwareKeys,
      undo: input.undo ? 'true' : undefined,
    },
  });
  return { success: true, content: commandIdsOf(answer, 'POST /command-queue/quarantine') };
}

export async function scanEndpoints(client: SepmClient, input: ScanEndpointsInput): Promise<SepResult<CommandIds>> {
  const xmlBody = buildEocXml({
    scanType: input.scanType,
    description: input.description,
    filePath: input.filePath,
    sha256: input.sha256,
    sha1: input.sha1,
    md5: input.md5,
    remediate: input.scanAction === 'remediate',
  });
  const answer = await client.request('POST', '/command-queue/eoc', {
    query: { computer_ids: input.computerIds, group_ids: input.groupIds },
    xmlBody,
  });
  return { success: true, content: commandIdsOf(answer, 'POST /command-queue/eoc') };
}

export async function uploadFile(
  client: SepmClient,
  input: UploadFileInput,
): Promise<SepResult<{ commandID: string }>> {
  const answer = await client.request<{ commandID?: unknown }>('POST', '/command-queue/files', {
    query: {
      file_path: input.filePath,
      computer_ids: input.computerIds,
      source: input.source,
      sha256: input.sha256,
      sha1: input.sha1,
      md5: input.md5,
    },
  });
  return { success: true, content: { commandID: requireString(answer?.commandID, 'commandID') } };
}

export async function getFileContent(
  client: SepmClient,
  cfg: SepmConfig,
  input: GetFileContentInput,
): Promise<SepResult<string>> {
  const zip = await client.request<Buffer>('GET', `/command-queue/file/${seg(input.fileId)}/content`, {
    raw: true,
    maxBytes: cfg.maxFileBytes,
  });
  const file = await decodeSepmFileZip(zip, cfg.maxFileBytes);
  return { success: true, content: file.bytes.toString('base64') };
}

export async function getCommandStatus(
  client: SepmClient,
  cfg: SepmConfig,
  input: GetCommandStatusInput,
  nowMs: number = Date.now(),
): Promise<SepResult<GetCommandStatusOutput>> {
  const page = await client.all<CommandStatusEntry>(`/command-queue/${seg(input.commandId)}`, {
    order: input.order,
    sort: input.sort,
    pageSize: input.pageSize,
  });
  const content = processCommandStatus(page, {
    commandId: input.commandId,
    statusType: input.statusType,
    scanDate: input.scanDate,
    scanTimeoutSec: cfg.scanTimeoutSec,
    resultsLimit: input.resultsLimit ?? cfg.resultsLimit,
    matchingEndpointIds: input.matchingEndpointIds,
    nowMs,
  });
  return { success: true, content };
}

export async function cancelCommand(
  client: SepmClient,
  input: CancelCommandInput,
): Promise<SepResult<{ commandID: string }>> {
  const answer = await client.request<{ commandID?: unknown }>('POST', `/command-queue/${seg(input.commandId)}/cancel`);
  return { success: true, content: { commandID: requireString(answer?.commandID, 'commandID') } };
}

export async function getCriticalEvents(
  client: SepmClient,
  input: GetCriticalEventsInput,
): Promise<SepResult<CriticalEventsOutput>> {
  const answer = await client.request<Partial<CriticalEventsOutput>>('GET', '/events/critical', {
    query: { includeAcknowledged: input.includeAcknowledged ? 'true' : undefined },
  });
  if (!answer || !Array.isArray(answer.criticalEventsInfoList)) {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, 'SEPM GET /events/critical: no criticalEventsInfoList');
  }
  const list = answer.criticalEventsInfoList;
  const content: CriticalEventsOutput = {
    ...answer,
    criticalEventsInfoList: input.resultsLimit !== undefined ? list.slice(0, input.resultsLimit) : list,
  };
  return { success: true, content };
}

import { SepTables } from '../../soar/sep-tables.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { hashTypeOf } from '../../sepm/functions/schemas.ts';
import { cell, findRow, type JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { scheduleTracking } from '../tracking/schedule.ts';
import { trackCommand } from '../tracking/track.ts';
import { commandStartedAt } from '../tracking/pending-commands.ts';
import { executionDate } from '../rows/command-rows.ts';

/** Upload a file from an endpoint to SEPM (tracked), its status, and the file itself attached to the incident. */

const T = SepTables.eocScanResults;

interface UploadSource {
  rowId?: number;
  filePath: string;
  computerId: string;
  sha256?: string;
}

async function uploadSource(p: PlaybookPayload<'upload-file-playbook'>, ctx: JobContext): Promise<UploadSource> {
  if (p.rowId === undefined) return { filePath: p.filePath!, computerId: p.computerId!, sha256: p.sha256 };
  const row = await findRow(ctx, p.incidentId, T, p.rowId);
  const hash = cell(row, 'hash_value');
  const src: UploadSource = { rowId: p.rowId, filePath: cell(row, 'file_path'), computerId: cell(row, 'computer_id') };
  if (hashTypeOf(hash) === 'SHA256') src.sha256 = hash;
  if (!src.filePath || !src.computerId) {
    throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `row ${p.rowId} has no file_path or computer_id to upload`);
  }
  return src;
}

export async function uploadFilePlaybook(
  p: PlaybookPayload<'upload-file-playbook'>,
  ctx: JobContext,
): Promise<unknown> {
  const src = await uploadSource(p, ctx);
  const out = await ctx.sepm.uploadFile({
    filePath: src.filePath,
    computerIds: [src.computerId],
    source: p.source,
    ...(src.sha256 ? { sha256: src.sha256 } : {}),
  });
  const cells = { upload_commandid: out.commandID, file_upload_status: 'In progress' };
  const rowId =
    src.rowId !== undefined
      ? (await ctx.soar.updateTableRow(p.incidentId, T, src.rowId, cells)).id
      : (
          await ctx.soar.addTableRow(p.incidentId, T, {
            computer_id: src.computerId,
            file_path: src.filePath,
            hash_value: src.sha256 ?? '',
            query_execution_date: executionDate(ctx.now()),
            ...cells,
          })
        ).id;
  await scheduleTracking(ctx, {
    incidentId: p.incidentId,
    commandId: out.commandID,
    kind: 'upload',
    startedAt: ctx.now().getTime(),
    rowId,
  });
  return { commandId: out.commandID, rowId };
}

export async function getUploadStatus(p: PlaybookPayload<'get-upload-status'>, ctx: JobContext): Promise<unknown> {
  const row = await findRow(ctx, p.incidentId, T, p.rowId);
  const commandId = cell(row, 'upload_commandid');
  if (!commandId) throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `row ${p.rowId} has no upload_commandid`);
  return trackCommand(
    {
      incidentId: p.incidentId,
      commandId,
      kind: 'upload',
      attempt: 0,
      // The upload's real start (its row date is the scan's): Timedout stays Timedout.
      startedAt: await commandStartedAt(ctx, p.incidentId, commandId),
      rowId: p.rowId,
      once: true,
    },
    ctx,
  );
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export async function attachFileContent(p: PlaybookPayload<'attach-file-content'>, ctx: JobContext): Promise<unknown> {
  let fileId = p.fileId;
  let name = p.fileName;
  if (p.rowId !== undefined) {
    const row = await findRow(ctx, p.incidentId, T, p.rowId);
    fileId ??= cell(row, 'file_id');
    name ??= cell(row, 'file_path') ? baseName(cell(row, 'file_path')) : undefined;
  }
  if (!fileId) throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, 'no file id (upload not completed yet?)');
  const base64 = await ctx.sepm.getFileContent({ fileId });
  const data = Buffer.from(base64, 'base64');
  // The name comes from SEPM data: keep it a plain file name.
  const safe = (name ?? `sepm-file-${fileId}.bin`).replace(/[^\w.\- ]/g, '_').slice(0, 200);
  const info = await ctx.soar.addAttachment(p.incidentId, safe, 'application/octet-stream', data);
  await ctx.soar.addNote(p.incidentId, `File ${safe} (SEPM file id ${fileId}, ${data.length} bytes) attached.`);
  return { attachmentId: info.id, name: safe, size: data.length };
}

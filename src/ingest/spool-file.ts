import { readFile, stat } from 'node:fs/promises';
import { decodeMail } from '../parsers/mime.ts';
import type { EnvelopeFilterConfig } from '../parsers/envelope-filter.ts';
import { describeError, isAppError } from '../shared/errors.ts';
import type { EnqueueInput } from './intake-queue.ts';
import { triageMessage } from './triage.ts';

/**
 * Reads and triages one `.eml` file for the spool directory and the replay command. Size is checked from the
 * file's stat before reading, so an oversized file is never loaded; headers are decoded with the parser's
 * bounded MIME decoder.
 */
export type FileTriage =
  { action: 'accept'; input: EnqueueInput } | { action: 'reject'; reason: string; detail: string };

/** `kind` is 'spool' for the watched directory and 'replay' for the CLI; both share the job-id namespace. */
export async function prepareMailFile(
  path: string,
  filter: EnvelopeFilterConfig,
  kind: 'spool' | 'replay',
): Promise<FileTriage> {
  const size = (await stat(path)).size;
  if (size > filter.maxRawBytes) {
    return { action: 'reject', reason: 'too_large', detail: `${size} bytes > cap ${filter.maxRawBytes}` };
  }
  const raw = await readFile(path);
  let meta: { from?: string | undefined; subject?: string | undefined; messageId?: string | undefined };
  try {
    meta = (await decodeMail(raw, { maxRawBytes: filter.maxRawBytes })).meta;
  } catch (err) {
    return { action: 'reject', reason: isAppError(err) ? err.code : 'unreadable', detail: describeError(err) };
  }
  if (raw.length === 0) return { action: 'reject', reason: 'unreadable', detail: 'empty file' };
  const t = triageMessage({ from: meta.from, subject: meta.subject, sizeBytes: raw.length }, filter);
  if (t.action !== 'accept') return { action: 'reject', reason: t.reason, detail: t.detail };
  return {
    action: 'accept',
    input: { raw, messageId: meta.messageId, origin: { kind, source: SPOOL_SOURCE, file: path } },
  };
}

/** Job-id namespace for files: replaying a file the spool already took is a no-op. */
export const SPOOL_SOURCE = 'spool';

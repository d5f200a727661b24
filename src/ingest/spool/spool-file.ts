import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeMail } from '../../mail/mime.ts';
import type { EnvelopeFilterConfig } from '../../mail/envelope-filter.ts';
import { describeError, isAppError } from '../../shared/errors.ts';
import type { EnqueueInput } from '../../jobs/intake-queue.ts';
import { triageMessage } from '../triage.ts';

/**
 * Reads and triages one `.eml` file for the spool directory and the replay command. Size is checked from the
 * open file's stat before reading, so an oversized file is never loaded; headers are decoded with the parser's
 * bounded MIME decoder. Spool files are opened with O_NOFOLLOW and must be regular files: a symlink dropped into
 * the spool never makes the service read a file outside it (the replay CLI reads what the operator names).
 * Job data records only the file's base name, never a server path.
 */
export type FileTriage =
  { action: 'accept'; input: EnqueueInput } | { action: 'reject'; reason: string; detail: string };

/** Reject reason for a symlink, directory or device where a mail file was expected. */
export const NOT_REGULAR_FILE = 'not_regular_file';

type Read = { raw: Buffer } | { reject: FileTriage & { action: 'reject' } };

async function readMailFile(path: string, maxRawBytes: number, followLinks: boolean): Promise<Read> {
  const flags = constants.O_RDONLY | (followLinks ? 0 : constants.O_NOFOLLOW) | constants.O_NONBLOCK;
  let handle;
  try {
    handle = await open(path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP: O_NOFOLLOW met a symlink (also one swapped in after the directory listing).
    if (code === 'ELOOP') return { reject: { action: 'reject', reason: NOT_REGULAR_FILE, detail: 'symlink refused' } };
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { reject: { action: 'reject', reason: NOT_REGULAR_FILE, detail: 'not a regular file' } };
    if (st.size > maxRawBytes) {
      return { reject: { action: 'reject', reason: 'too_large', detail: `${st.size} bytes > cap ${maxRawBytes}` } };
    }
    return { raw: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** `kind` is 'spool' for the watched directory and 'replay' for the CLI; both share the job-id namespace. */
export async function prepareMailFile(
  path: string,
  filter: EnvelopeFilterConfig,
  kind: 'spool' | 'replay',
): Promise<FileTriage> {
  const read = await readMailFile(path, filter.maxRawBytes, kind === 'replay');
  if ('reject' in read) return read.reject;
  const raw = read.raw;
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
    input: { raw, messageId: meta.messageId, origin: { kind, source: SPOOL_SOURCE, file: basename(path) } },
  };
}

/** Job-id namespace for files: replaying a file the spool already took is a no-op. */
export const SPOOL_SOURCE = 'spool';

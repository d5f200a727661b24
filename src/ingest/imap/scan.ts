import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { Redis } from 'ioredis';
import type { ImapSourceConfig } from '../../config/schema.ts';
import type { EnvelopeFilterConfig } from '../../mail/envelope-filter.ts';
import type { Logger } from '../../shared/logger.ts';
import { recordMailTriage } from '../../shared/metrics.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { CursorStore } from './cursor-store.ts';
import type { EnqueueInput, IntakeProducer } from '../../jobs/intake-queue.ts';
import { recordQuarantine } from '../quarantine-log.ts';
import { QUARANTINE_KEYWORD, triageMessage, type QuarantineRecord } from '../triage.ts';
import { expireProcessed, QUEUED_KEYWORD } from './retention.ts';

/**
 * One pass over a selected mailbox: everything past the cursor (or, on first run / UIDVALIDITY change, every
 * message not yet processed) is triaged, queued, and only then marked processed; the cursor moves last.
 * A crash between any two steps leaves the message to be seen again; its job id makes the second enqueue a no-op.
 */
export interface ScanDeps {
  client: ImapFlow;
  source: ImapSourceConfig;
  filter: EnvelopeFilterConfig;
  producer: IntakeProducer;
  cursors: CursorStore;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Throws when this watcher no longer holds the mailbox lock (checked before every write). */
  assertHolder: () => void;
  /** Messages per FETCH round trip. */
  batchSize: number;
  /** True once shutdown began: the scan stops between batches (each batch completes or is seen again). */
  stopRequested: () => boolean;
}

export interface ScanResult {
  enqueued: number;
  ignored: number;
  quarantined: number;
}

/** Source bytes fetched with the envelope; larger accepted mail is fetched whole afterwards, bytes. */
const PREFETCH_BYTES = 256 * 1024;
/** Source bytes fetched per round trip at most (bounds memory when large mails queue up), bytes. */
const MAX_FETCH_BYTES = 16 * 1024 * 1024;

/**
 * UIDs per UID SEARCH, so one answer (and the array holding it) stays bounded whatever the mailbox size; a window
 * is a range of the UID space, so a sparse mailbox costs more searches, never more memory.
 */
export const SEARCH_WINDOW_UIDS = 10_000;

export async function scanMailbox(d: ScanDeps): Promise<ScanResult> {
  const mailbox = d.client.mailbox;
  if (!mailbox)
    throw new AppError(ErrorCodes.IMAP_CONNECT_FAILED, `imap source ${d.source.name}: no mailbox open`, {
      retryable: true,
    });
  const uidValidity = String(mailbox.uidValidity);
  const cursor = await d.cursors.get();
  const known = cursor !== undefined && cursor.uidValidity === uidValidity;
  if (cursor && !known)
    d.logger.warn(
      { source: d.source.name, old: cursor.uidValidity, uidValidity },
      'UIDVALIDITY changed: rescanning mailbox',
    );
  // First run or UIDVALIDITY changed: every UID we knew is meaningless. Rescan what is not yet processed (unseen
  // when we mark \Seen, everything otherwise: processed mail was moved away); job ids dedupe.
  const unseenOnly = !known && d.source.markSeen;
  const scan: WindowScan = { d, uidValidity, unseenOnly, total: { enqueued: 0, ignored: 0, quarantined: 0 } };
  // UIDs below UIDNEXT (as of SELECT) are searched window by window; newer mail is picked up by the open tail.
  const top = Math.max(0, Number(mailbox.uidNext ?? 1) - 1);
  let lo = known ? cursor.lastUid + 1 : 1;
  d.logger.debug({ cursor, uidValidity, from: lo, top }, 'mailbox scan');
  for (; lo <= top && !d.stopRequested(); lo += SEARCH_WINDOW_UIDS) {
    const hi = Math.min(top, lo + SEARCH_WINDOW_UIDS - 1);
    await scanRange(scan, lo, `${lo}:${hi}`);
    if (d.stopRequested()) return scan.total;
    // Everything up to hi is settled: searched and processed now, or \Seen (processed before) on a rescan.
    d.assertHolder();
    await d.cursors.advance({ uidValidity, lastUid: hi });
  }
  if (d.stopRequested()) return scan.total;
  // `n:*` names the highest UID even when it is below n, hence the filter in scanRange.
  await scanRange(scan, lo, `${lo}:*`);
  if (!known && !d.stopRequested()) {
    d.assertHolder();
    await d.cursors.advance({ uidValidity, lastUid: top });
  }
  if (!d.stopRequested()) {
    d.assertHolder();
    await expireProcessed(d);
  }
  return scan.total;
}

interface WindowScan {
  d: ScanDeps;
  uidValidity: string;
  unseenOnly: boolean;
  total: ScanResult;
}

/** One UID SEARCH over `range` (UIDs ≥ lo), processed in FETCH batches; the cursor follows each batch. */
async function scanRange(s: WindowScan, lo: number, range: string): Promise<void> {
  const { d, uidValidity } = s;
  const criteria = s.unseenOnly ? { uid: range, seen: false } : { uid: range };
  const uids = toList(await d.client.search(criteria, { uid: true })).filter((u) => u >= lo);
  uids.sort((a, b) => a - b);
  for (let i = 0; i < uids.length && !d.stopRequested(); i += d.batchSize) {
    const batch = uids.slice(i, i + d.batchSize);
    const r = await processBatch(d, batch, uidValidity);
    s.total.enqueued += r.enqueued;
    s.total.ignored += r.ignored;
    s.total.quarantined += r.quarantined;
    d.assertHolder();
    await d.cursors.advance({ uidValidity, lastUid: batch[batch.length - 1] as number });
  }
}

async function processBatch(d: ScanDeps, uids: number[], uidValidity: string): Promise<ScanResult> {
  // One round trip for the usual small alert: envelope, size and the first PREFETCH_BYTES of the source.
  const metas = await d.client.fetchAll(
    uids.join(','),
    { uid: true, size: true, envelope: true, source: { maxLength: PREFETCH_BYTES } },
    { uid: true },
  );
  const accepted: FetchMessageObject[] = [];
  const ignored: number[] = [];
  const quarantine: QuarantineRecord[] = [];
  for (const m of metas) {
    const t = triageMessage(
      { from: m.envelope?.from?.[0]?.address, subject: m.envelope?.subject, sizeBytes: m.size ?? 0 },
      d.filter,
    );
    if (t.action === 'accept') accepted.push(m);
    else if (t.action === 'ignore') ignored.push(m.uid);
    else quarantine.push(qRecord(d, m, uidValidity, t.reason, t.detail));
  }
  const inputs: EnqueueInput[] = [];
  const queuedUids: number[] = [];
  const complete = (m: FetchMessageObject): boolean => m.source !== undefined && (m.size ?? Infinity) <= PREFETCH_BYTES;
  const byUid = new Map(accepted.filter(complete).map((m) => [m.uid, m.source]));
  for (const group of bySize(accepted.filter((m) => !complete(m)))) {
    const range = group.map((m) => m.uid).join(',');
    for (const f of await d.client.fetchAll(range, { uid: true, source: true }, { uid: true }))
      byUid.set(f.uid, f.source);
  }
  for (const m of accepted) {
    const raw = byUid.get(m.uid);
    if (!raw || raw.length === 0) {
      quarantine.push(qRecord(d, m, uidValidity, 'unreadable', 'message source could not be fetched'));
      continue;
    }
    queuedUids.push(m.uid);
    inputs.push({
      raw,
      messageId: m.envelope?.messageId,
      origin: { kind: 'imap', source: d.source.name, mailbox: d.source.mailbox, uidValidity, uid: m.uid },
    });
  }
  d.assertHolder();
  // Redis must have the jobs before anything is marked: a failure here leaves the mail unseen for the next pass.
  await d.producer.enqueueMany(inputs);
  recordMailTriage(d.source.name, {
    accepted: inputs.length,
    envelope_filter: ignored.length,
    quarantined: quarantine.length,
  });
  d.assertHolder();
  await markProcessed(d, queuedUids);
  await moveIgnored(d, ignored);
  await quarantineMessages(d, quarantine);
  return { enqueued: inputs.length, ignored: ignored.length, quarantined: quarantine.length };
}

async function markProcessed(d: ScanDeps, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  const range = uids.join(',');
  // The keyword marks mail this service queued: the only mail deleteProcessedAfterDays may expunge (retention.ts).
  const flags = d.source.markSeen ? ['\\Seen', QUEUED_KEYWORD] : [QUEUED_KEYWORD];
  await d.client.messageFlagsAdd(range, flags, { uid: true });
  if (d.source.processedFolder) await d.client.messageMove(range, d.source.processedFolder, { uid: true });
}

async function moveIgnored(d: ScanDeps, uids: number[]): Promise<void> {
  if (uids.length === 0 || !d.source.ignoredFolder) return;
  await d.client.messageMove(uids.join(','), d.source.ignoredFolder, { uid: true });
}

async function quarantineMessages(d: ScanDeps, records: QuarantineRecord[]): Promise<void> {
  if (records.length === 0) return;
  // The reason is recorded before the move, so a crash in between cannot lose it.
  await recordQuarantine(d.redis, d.prefix, records);
  const range = records.map((r) => r.uid).join(',');
  await d.client.messageFlagsAdd(range, [QUARANTINE_KEYWORD], { uid: true });
  await d.client.messageMove(range, d.source.quarantineFolder, { uid: true });
  for (const r of records) {
    d.logger.warn({ source: d.source.name, uid: r.uid, reason: r.reason, detail: r.detail }, 'mail quarantined');
  }
}

function qRecord(
  d: ScanDeps,
  m: FetchMessageObject,
  uidValidity: string,
  reason: string,
  detail: string,
): QuarantineRecord {
  return {
    source: d.source.name,
    mailbox: d.source.mailbox,
    uidValidity,
    uid: m.uid,
    ...(m.envelope?.messageId ? { messageId: m.envelope.messageId } : {}),
    reason,
    detail,
    at: Date.now(),
  };
}

/** Splits messages into groups whose total size stays under MAX_FETCH_BYTES. */
function bySize(msgs: FetchMessageObject[]): FetchMessageObject[][] {
  const groups: FetchMessageObject[][] = [];
  let cur: FetchMessageObject[] = [];
  let bytes = 0;
  for (const m of msgs) {
    const size = m.size ?? 0;
    if (cur.length > 0 && bytes + size > MAX_FETCH_BYTES) {
      groups.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m);
    bytes += size;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

function toList(res: number[] | false | undefined): number[] {
  return Array.isArray(res) ? res : [];
}

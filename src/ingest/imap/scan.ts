import type { FetchMessageObject, ImapFlow, SearchObject } from 'imapflow';
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
import { DONE_KEYWORD, settlePending, type PendingMail, type SettleResult } from './settle.ts';

/**
 * One pass over a selected mailbox: pending mail whose intake job finished is marked done (settle.ts); everything
 * past the cursor (or, when the cursor is missing or UIDVALIDITY changed, every message not yet done) is triaged,
 * queued and recorded as pending; the cursor moves last. Mail is marked done only after its job finished, so the
 * mailbox stays the durable log: a crash between any two steps, or a Redis that lost its data, leaves the message
 * to be seen again; its job id makes the second enqueue a no-op.
 */
export interface ScanDeps {
  client: ImapFlow;
  source: ImapSourceConfig;
  filter: EnvelopeFilterConfig;
  producer: IntakeProducer;
  cursors: CursorStore;
  /** Queued mail waiting for its intake job to finish. */
  pending: PendingMail;
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

export interface MailboxPass extends ScanResult {
  /** Mails marked done in this pass (their intake job finished). */
  done: number;
  /** Mails still waiting for their intake job after this pass. */
  pending: number;
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

export async function scanMailbox(d: ScanDeps): Promise<MailboxPass> {
  const mailbox = d.client.mailbox;
  if (!mailbox)
    throw new AppError(ErrorCodes.IMAP_CONNECT_FAILED, `imap source ${d.source.name}: no mailbox open`, {
      retryable: true,
    });
  const uidValidity = String(mailbox.uidValidity);
  const cursor = await d.cursors.get();
  const known = cursor !== undefined && cursor.uidValidity === uidValidity;
  // UIDs below UIDNEXT (as of SELECT) are searched window by window; newer mail is picked up by the open tail.
  const top = Math.max(0, Number(mailbox.uidNext ?? 1) - 1);
  const notDone = !known;
  const scan: WindowScan = { d, uidValidity, notDone, total: { enqueued: 0, ignored: 0, quarantined: 0 } };
  const settled = await settle(scan);
  if (!known) await announceRescan(scan, cursor?.uidValidity, top);
  let lo = known ? cursor.lastUid + 1 : 1;
  d.logger.debug({ cursor, uidValidity, from: lo, top }, 'mailbox scan');
  for (; lo <= top && !d.stopRequested(); lo += SEARCH_WINDOW_UIDS) {
    const hi = Math.min(top, lo + SEARCH_WINDOW_UIDS - 1);
    await scanRange(scan, lo, `${lo}:${hi}`);
    if (d.stopRequested()) return { ...scan.total, ...settled };
    // Everything up to hi is settled: searched and queued now, or done (processed before) on a rescan.
    d.assertHolder();
    await d.cursors.advance({ uidValidity, lastUid: hi });
  }
  if (d.stopRequested()) return { ...scan.total, ...settled };
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
  const after = d.stopRequested() ? settled : await settle(scan);
  return { ...scan.total, done: settled.done + after.done, pending: after.pending };
}

interface WindowScan {
  d: ScanDeps;
  uidValidity: string;
  /** Search only mail without the done mark (cursor missing or UIDVALIDITY changed). */
  notDone: boolean;
  total: ScanResult;
}

async function settle(s: WindowScan): Promise<SettleResult> {
  const { d, uidValidity } = s;
  return settlePending(
    {
      client: d.client,
      source: d.source,
      redis: d.redis,
      jobKey: (id) => d.producer.queue.toKey(id),
      pending: d.pending,
      logger: d.logger,
      assertHolder: d.assertHolder,
      requeue: async (uids) => {
        const r = await processBatch(d, uids, uidValidity);
        s.total.enqueued += r.enqueued;
      },
    },
    uidValidity,
  );
}

/**
 * Not-done mail: `\Seen` is set only once the job finished (markSeen), else the done keyword is missing (a server
 * refusing keywords then shows every mail as not done: a rescan re-queues, job ids dedupe). Mail moved to
 * processedFolder is out of the mailbox either way.
 */
function notDoneCriteria(d: ScanDeps, range: string): SearchObject {
  return d.source.markSeen ? { uid: range, seen: false } : { uid: range, unKeyword: DONE_KEYWORD };
}

/** Counts the not-done mail (window by window, bounded memory) and says loudly why it is rescanned. */
async function announceRescan(s: WindowScan, oldValidity: string | undefined, top: number): Promise<void> {
  const { d, uidValidity } = s;
  let n = 0;
  for (let lo = 1; lo <= top; lo += SEARCH_WINDOW_UIDS) {
    const range = `${lo}:${Math.min(top, lo + SEARCH_WINDOW_UIDS - 1)}`;
    n += toList(await d.client.search(notDoneCriteria(d, range), { uid: true })).length;
  }
  if (oldValidity === undefined)
    d.logger.warn(
      { source: d.source.name, uidValidity, mails: n },
      `cursor missing: rescanning ${n} mails (first start, or Redis lost its data)`,
    );
  else
    d.logger.warn(
      { source: d.source.name, old: oldValidity, uidValidity, mails: n },
      `UIDVALIDITY changed: rescanning ${n} mails`,
    );
}

/** One UID SEARCH over `range` (UIDs ≥ lo), processed in FETCH batches; the cursor follows each batch. */
async function scanRange(s: WindowScan, lo: number, range: string): Promise<void> {
  const { d, uidValidity } = s;
  const criteria = s.notDone ? notDoneCriteria(d, range) : { uid: range };
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
  // Redis must have the jobs before they are recorded pending: a failure here leaves the mail for the next pass.
  const jobIds = await d.producer.enqueueMany(inputs);
  recordMailTriage(d.source.name, {
    accepted: inputs.length,
    envelope_filter: ignored.length,
    quarantined: quarantine.length,
  });
  d.assertHolder();
  await markQueued(d, uidValidity, queuedUids, jobIds);
  await moveIgnored(d, ignored);
  await quarantineMessages(d, quarantine);
  return { enqueued: inputs.length, ignored: ignored.length, quarantined: quarantine.length };
}

/** Queued, not done: recorded pending (settle.ts marks it done once its job finished) and keyword-tagged. */
async function markQueued(d: ScanDeps, uidValidity: string, uids: number[], jobIds: string[]): Promise<void> {
  if (uids.length === 0) return;
  await d.pending.add(
    uidValidity,
    uids.map((uid, i) => ({ uid, jobId: jobIds[i] as string })),
  );
  // Informational (the operator sees what is queued); never \Seen or moved here: that is the done mark.
  await d.client.messageFlagsAdd(uids.join(','), [QUEUED_KEYWORD], { uid: true });
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

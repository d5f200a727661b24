import type { ImapFlow } from 'imapflow';
import type { Redis } from 'ioredis';
import type { ImapSourceConfig } from '../../config/schema.ts';
import type { Logger } from '../../shared/logger.ts';
import { finishedJobs } from '../job-state.ts';

/**
 * The mailbox is the durable log (docs/failure-contracts.md, "Redis loses its data"). A queued mail is only
 * *pending* (this Redis hash: `<uidValidity>:<uid>` → intake job id); it is marked done in its mailbox (`\Seen`
 * when markSeen, DONE_KEYWORD, moved to processedFolder) once its intake job finished: completed (incident stored
 * or reject recorded) or failed for good (the failed job keeps the raw mail, 30 days, jobs/intake-queue.ts).
 * A pending mail whose job Redis no longer has is queued again from the mailbox; its job id makes that idempotent.
 * If Redis loses everything, this hash goes too, but so does the cursor: the watcher then rescans every not-done
 * mail (scan.ts), and not-done is exactly what is still in the mailbox without the done mark.
 */

/** IMAP keyword on every mail whose intake job finished (keywords are atoms: no spaces or specials). */
export const DONE_KEYWORD = '$SepmIntakeDone';

/** Pending entries looked at per HSCAN page / job-state pipeline. */
const PAGE = 500;

export class PendingMail {
  readonly key: string;
  private readonly redis: Redis;

  constructor(redis: Redis, prefix: string, sourceName: string) {
    this.redis = redis;
    this.key = `${prefix}:ingest:pending:${sourceName}`;
  }

  async add(uidValidity: string, entries: { uid: number; jobId: string }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.redis.hset(this.key, Object.fromEntries(entries.map((e) => [`${uidValidity}:${e.uid}`, e.jobId])));
  }

  async remove(uidValidity: string, uids: number[]): Promise<void> {
    if (uids.length > 0) await this.redis.hdel(this.key, ...uids.map((u) => `${uidValidity}:${u}`));
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.key);
  }

  /** Every entry, page by page (HSCAN: bounded memory whatever the backlog). */
  async *pages(): AsyncGenerator<{ field: string; jobId: string }[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.key, cursor, 'COUNT', PAGE);
      cursor = next;
      const page: { field: string; jobId: string }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        page.push({ field: flat[i] as string, jobId: flat[i + 1] as string });
      if (page.length > 0) yield page;
    } while (cursor !== '0');
  }
}

export interface SettleDeps {
  client: ImapFlow;
  source: ImapSourceConfig;
  redis: Redis;
  /** Redis key of an intake job's hash (BullMQ `queue.toKey(jobId)`). */
  jobKey: (jobId: string) => string;
  pending: PendingMail;
  logger: Logger;
  assertHolder: () => void;
  /** Fetches these UIDs again and queues them (their jobs are gone from Redis). */
  requeue: (uids: number[]) => Promise<void>;
}

export interface SettleResult {
  done: number;
  requeued: number;
  /** Still waiting for their job after this pass. */
  pending: number;
}

/** Marks done every pending mail whose job finished; queues again the ones Redis lost. */
export async function settlePending(d: SettleDeps, uidValidity: string): Promise<SettleResult> {
  const r: SettleResult = { done: 0, requeued: 0, pending: 0 };
  for await (const page of d.pending.pages()) {
    const stale: string[] = [];
    const current: { uid: number; jobId: string }[] = [];
    for (const e of page) {
      const [v, uid] = e.field.split(':');
      // Another UIDVALIDITY: those UIDs name nothing any more; the rescan of not-done mail covers the mail.
      if (v !== uidValidity || !uid) stale.push(e.field);
      else current.push({ uid: Number(uid), jobId: e.jobId });
    }
    if (stale.length > 0) await d.redis.hdel(d.pending.key, ...stale);
    const states = await finishedJobs(
      d.redis,
      current.map((c) => d.jobKey(c.jobId)),
    );
    const done = current.filter((_, i) => states[i] === 'finished').map((c) => c.uid);
    const lost = current.filter((_, i) => states[i] === 'missing').map((c) => c.uid);
    r.pending += current.length - done.length - lost.length;
    d.assertHolder();
    await markDone(d, done);
    await d.pending.remove(uidValidity, done);
    r.done += done.length;
    if (lost.length > 0) {
      d.logger.warn(
        { source: d.source.name, mails: lost.length },
        'intake jobs missing from Redis (data lost or evicted?): queuing those mails again from the mailbox',
      );
      await d.requeue(lost);
      r.requeued += lost.length;
      r.pending += lost.length;
    }
  }
  return r;
}

async function markDone(d: SettleDeps, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  const range = uids.join(',');
  // The keyword marks mail whose job finished: the only mail deleteProcessedAfterDays may expunge (retention.ts).
  const flags = d.source.markSeen ? ['\\Seen', DONE_KEYWORD] : [DONE_KEYWORD];
  await d.client.messageFlagsAdd(range, flags, { uid: true });
  if (d.source.processedFolder) await d.client.messageMove(range, d.source.processedFolder, { uid: true });
}

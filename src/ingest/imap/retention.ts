import type { ImapFlow } from 'imapflow';
import type { Redis } from 'ioredis';
import type { ImapSourceConfig } from '../../config/schema.ts';
import type { Logger } from '../../shared/logger.ts';
import { DONE_KEYWORD } from './settle.ts';

/**
 * Optional expunge of processed mail (`deleteProcessedAfterDays`; unset = nothing is ever deleted). Only *done*
 * mail carries DONE_KEYWORD (settle.ts: set once its intake job finished, before it is marked \Seen or moved), so
 * mail still waiting for its job, ignored, quarantined or hand-filed mail in the same folder is never touched; a
 * server that refuses keywords leaves the flag off and nothing is deleted (fails safe). The age is the delivery
 * date (INTERNALDATE): a mail whose intake job failed keeps its raw bytes in the failed job (kept 30 days,
 * jobs/intake-queue.ts) after the mailbox copy is gone.
 */

/**
 * IMAP keyword on every mail whose intake job was queued (keywords are atoms: no spaces or specials). Only a
 * hint for the operator: queued is not done (a Redis that lost its data loses the job), so retention ignores it.
 */
export const QUEUED_KEYWORD = '$SepmIntakeQueued';

/** At most one retention pass per source in this period, across replicas (Redis key), ms. */
const RETENTION_PERIOD_MS = 3600_000;
/** UIDs per UID SEARCH / STORE round trip (the mailbox may hold hundreds of thousands). */
const WINDOW_UIDS = 10_000;

export interface RetentionDeps {
  client: ImapFlow;
  source: ImapSourceConfig;
  redis: Redis;
  prefix: string;
  logger: Logger;
  now?: number;
}

/** Runs a pass when due; returns how many messages were expunged. Leaves `source.mailbox` selected. */
export async function expireProcessed(d: RetentionDeps): Promise<number> {
  const days = d.source.deleteProcessedAfterDays;
  if (days === undefined) return 0;
  const key = `${d.prefix}:ingest:retention:${d.source.name}`;
  if ((await d.redis.set(key, '1', 'PX', RETENTION_PERIOD_MS, 'NX')) !== 'OK') return 0;
  const folder = d.source.processedFolder ?? d.source.mailbox;
  const before = new Date((d.now ?? Date.now()) - days * 86_400_000);
  let deleted = 0;
  if (folder !== d.source.mailbox) await d.client.mailboxOpen(folder);
  try {
    const top = Math.max(0, Number(d.client.mailbox ? d.client.mailbox.uidNext : 1) - 1);
    for (let lo = 1; lo <= top; lo += WINDOW_UIDS) {
      const range = `${lo}:${Math.min(top, lo + WINDOW_UIDS - 1)}`;
      const found = await d.client.search({ uid: range, keyword: DONE_KEYWORD, before }, { uid: true });
      const uids = Array.isArray(found) ? found : [];
      if (uids.length === 0) continue;
      await d.client.messageDelete(uids.join(','), { uid: true });
      deleted += uids.length;
    }
  } finally {
    if (folder !== d.source.mailbox) await d.client.mailboxOpen(d.source.mailbox);
  }
  if (deleted > 0) d.logger.info({ source: d.source.name, folder, deleted, days }, 'expunged processed mail');
  return deleted;
}

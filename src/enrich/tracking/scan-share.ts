import { createHash } from 'node:crypto';
import type { JobContext } from '../jobs/context.ts';

/**
 * One estate-wide EOC scan per (artifact, scan type) within a sliding window, shared by every incident that asks
 * for it (an outbreak of 100 mails with one hash starts one scan). A small local `SET NX PX` claim: the "jobs"
 * helper's generic sliding-window dedup (src/jobs) did not exist yet when this was written; swap it in when it does.
 *
 * Keys (under the deployment's Redis prefix):
 * - `scan-share:<digest>`: `starting` while the first incident starts the scan (STARTING_TTL_MS, so a crash mid-start
 *   frees it), then `{commandId, startedAt, incidentId}` for the window.
 * - `scan-members:<commandId>`: every incident row of that scan (`{incidentId, rowId, artifactId}`); the one
 *   tracking job writes states, match rows, the CSV and the note to each of them.
 * - `scan-done:<commandId>`: set by the tracker before it reads the members, so an incident that joins after the
 *   end sees it and reads the results itself (join adds first, then reads the flag: one of the two always sees
 *   the other).
 */

export interface ScanShare {
  commandId: string;
  /** Epoch ms at which the SEPM command was created. */
  startedAt: number;
  /** The incident that started it. */
  incidentId: number;
}

export interface ScanMember {
  incidentId: number;
  rowId: number;
  artifactId?: number | undefined;
}

/** How long a `starting` claim lives without the command id, ms: more than a start takes (GET /groups + POST). */
export const STARTING_TTL_MS = 60_000;
const STARTING = 'starting';

function digest(artifact: { type: string; value: string }, scanType: string): string {
  // Hashes and Windows paths compare case-insensitively.
  const key = `${artifact.type}\n${artifact.value.trim().toLowerCase()}\n${scanType}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function shareKey(ctx: JobContext, artifact: { type: string; value: string }, scanType: string): string {
  return `${ctx.prefix}:scan-share:${digest(artifact, scanType)}`;
}

const membersKey = (ctx: JobContext, commandId: string) => `${ctx.prefix}:scan-members:${commandId}`;
const doneKey = (ctx: JobContext, commandId: string) => `${ctx.prefix}:scan-done:${commandId}`;

/** The window a share lives, ms (enrich.dedupWindowSec; at least the scan timeout, so tracking can find members). */
export function shareWindowMs(ctx: JobContext): number {
  return Math.max(ctx.config.enrich.dedupWindowSec, ctx.config.sepm.scanTimeoutSec) * 1000;
}

export type Claim =
  | { kind: 'leader'; release(): Promise<void>; publish(share: ScanShare): Promise<void> }
  | { kind: 'starting' }
  | { kind: 'shared'; share: ScanShare };

/**
 * Swaps the share for `starting` only if it still holds the finished scan the caller saw (two explicit requests at
 * once may both start: an explicit request always runs).
 */
const SWAP_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;

function leader(ctx: JobContext, key: string): Claim {
  return {
    kind: 'leader',
    release: async () => {
      await ctx.redis.del(key);
    },
    publish: async (share) => {
      await ctx.redis.set(key, JSON.stringify(share), 'PX', shareWindowMs(ctx));
    },
  };
}

/**
 * Claims the scan of `artifact`: the first caller in the window leads, later ones join its command. With
 * `freshOnly` (an explicit analyst/API request) a scan that has already finished is not shared: the caller leads a
 * new one, so an explicit request is never answered with an old result.
 */
export async function claimScan(
  ctx: JobContext,
  artifact: { type: string; value: string },
  scanType: string,
  opts: { freshOnly?: boolean } = {},
): Promise<Claim> {
  const key = shareKey(ctx, artifact, scanType);
  const got = await ctx.redis.set(key, STARTING, 'PX', STARTING_TTL_MS, 'NX');
  if (got === 'OK') return leader(ctx, key);
  const value = await ctx.redis.get(key);
  if (value === null) return claimScan(ctx, artifact, scanType, opts);
  if (value === STARTING) return { kind: 'starting' };
  const share = JSON.parse(value) as ScanShare;
  if (opts.freshOnly && (await ctx.redis.exists(doneKey(ctx, share.commandId))) === 1) {
    const swapped = await ctx.redis.eval(SWAP_IF_SAME, 1, key, value, STARTING, String(STARTING_TTL_MS));
    return swapped === 1 ? leader(ctx, key) : claimScan(ctx, artifact, scanType, opts);
  }
  return { kind: 'shared', share };
}

/** Adds an incident row to the scan; returns false when the tracker already finished (read the results yourself). */
export async function joinScan(ctx: JobContext, commandId: string, member: ScanMember): Promise<boolean> {
  const key = membersKey(ctx, commandId);
  await ctx.redis.sadd(key, JSON.stringify(member));
  await ctx.redis.pexpire(key, shareWindowMs(ctx) * 2);
  return (await ctx.redis.exists(doneKey(ctx, commandId))) === 0;
}

export async function scanMembers(ctx: JobContext, commandId: string): Promise<ScanMember[]> {
  const raw = await ctx.redis.smembers(membersKey(ctx, commandId));
  return raw.map((m) => JSON.parse(m) as ScanMember).sort((a, b) => a.incidentId - b.incidentId);
}

/** Marks the scan finished; call before reading the members for the last time. */
export async function markScanDone(ctx: JobContext, commandId: string): Promise<void> {
  await ctx.redis.set(doneKey(ctx, commandId), '1', 'PX', shareWindowMs(ctx) * 2);
}

import type { Redis } from 'ioredis';

/**
 * Where a mailbox watcher resumes: UIDVALIDITY + the highest UID whose processing finished, in Redis under the
 * deployment prefix. Advancing is monotonic (Lua) so a watcher that lost its lock cannot move the cursor back.
 */
export interface Cursor {
  uidValidity: string;
  lastUid: number;
}

const ADVANCE = `
local v = redis.call('HGET', KEYS[1], 'uidValidity')
local u = tonumber(redis.call('HGET', KEYS[1], 'lastUid') or '0')
if v ~= ARGV[1] or tonumber(ARGV[2]) > u then
  redis.call('HSET', KEYS[1], 'uidValidity', ARGV[1], 'lastUid', ARGV[2], 'updatedAt', ARGV[3])
  return 1
end
return 0
`;

export class CursorStore {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(redis: Redis, prefix: string, sourceName: string) {
    this.redis = redis;
    this.key = `${prefix}:ingest:cursor:${sourceName}`;
  }

  async get(): Promise<Cursor | undefined> {
    const h = await this.redis.hgetall(this.key);
    if (!h.uidValidity) return undefined;
    return { uidValidity: h.uidValidity, lastUid: Number(h.lastUid ?? 0) };
  }

  /** Moves the cursor forward (or onto a new UIDVALIDITY); never backwards within one UIDVALIDITY. */
  async advance(cursor: Cursor): Promise<void> {
    await this.redis.eval(ADVANCE, 1, this.key, cursor.uidValidity, String(cursor.lastUid), String(Date.now()));
  }
}

import type { Redis } from 'ioredis';

/**
 * Per-action hourly cap shared by every worker. One counter per clock hour (UTC), taken atomically by a Lua
 * script: read, refuse at the cap, otherwise INCR and EXPIRE — so refused attempts do not inflate the counter
 * and two workers can never both take the last slot. A slot taken for a job id is remembered (KEYS[2]): another
 * attempt of the same job (a BullMQ retry after a 5xx) reuses it instead of being charged again.
 */
const TAKE_SLOT = `
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if KEYS[2] then redis.call('SET', KEYS[2], '1', 'EX', ARGV[3]) end
return 1
`;

const HOUR_MS = 3_600_000;
/** Keep a counter two hours (s) so it outlives its hour even with clock skew between workers. */
const KEY_TTL_SEC = 7200;
/** How long a job id stays charged (s): a day, as long as the seal that lets a job be automatic at all. */
const CHARGED_TTL_SEC = 86_400;

export function hourlyCapKey(prefix: string, action: string, now: number): string {
  return `${prefix}:policy:cap:${action}:${Math.floor(now / HOUR_MS)}`;
}

function chargedKey(prefix: string, action: string, jobId: string): string {
  return `${prefix}:policy:charged:${action}:${jobId}`;
}

/**
 * True when a slot was taken for this clock hour (or `jobId` already holds one for this action); false when
 * `cap` slots are already taken (cap 0 = never).
 */
export async function takeHourlySlot(
  redis: Redis,
  prefix: string,
  action: string,
  cap: number,
  now: number = Date.now(),
  jobId?: string,
): Promise<boolean> {
  if (cap <= 0) return false;
  const keys = [hourlyCapKey(prefix, action, now), ...(jobId ? [chargedKey(prefix, action, jobId)] : [])];
  const taken = await redis.eval(
    TAKE_SLOT,
    keys.length,
    ...keys,
    String(cap),
    String(KEY_TTL_SEC),
    String(CHARGED_TTL_SEC),
  );
  return taken === 1;
}

/** Slots used in the clock hour of `now` (for status output and tests). */
export async function hourlySlotsUsed(
  redis: Redis,
  prefix: string,
  action: string,
  now: number = Date.now(),
): Promise<number> {
  return Number((await redis.get(hourlyCapKey(prefix, action, now))) ?? 0);
}

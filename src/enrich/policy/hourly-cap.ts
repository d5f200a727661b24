import type { Redis } from 'ioredis';

/**
 * Per-action hourly cap shared by every worker. One counter per clock hour (UTC), taken atomically by a Lua
 * script: read, refuse at the cap, otherwise INCR and EXPIRE — so refused attempts do not inflate the counter
 * and two workers can never both take the last slot.
 */
const TAKE_SLOT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;

const HOUR_MS = 3_600_000;
/** Keep a counter two hours (s) so it outlives its hour even with clock skew between workers. */
const KEY_TTL_SEC = 7200;

export function hourlyCapKey(prefix: string, action: string, now: number): string {
  return `${prefix}:policy:cap:${action}:${Math.floor(now / HOUR_MS)}`;
}

/** True when a slot was taken for this clock hour; false when `cap` slots are already taken (cap 0 = never). */
export async function takeHourlySlot(
  redis: Redis,
  prefix: string,
  action: string,
  cap: number,
  now: number = Date.now(),
): Promise<boolean> {
  if (cap <= 0) return false;
  const taken = await redis.eval(TAKE_SLOT, 1, hourlyCapKey(prefix, action, now), String(cap), String(KEY_TTL_SEC));
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

import type { Redis } from 'ioredis';
import { describeError } from './errors.ts';

/**
 * What the service's Redis keeps and may throw away, read once at start (docs/operations.md, "Redis"):
 * persistence (`appendonly`, RDB `save` points) and `maxmemory-policy` (BullMQ needs `noeviction`: an evicting
 * Redis may drop half a job). CONFIG GET first; where the ACL denies it, INFO persistence / INFO memory; where
 * both are denied (a `+@all -@dangerous` user) the check degrades to a warning and `infoAllowed` tells the
 * composition root to skip the INFO-based checks of ioredis and BullMQ.
 */
export interface RedisSettingsReport {
  /** aof / rdb / both on disk, none = a restart empties Redis, unknown = not readable with this user. */
  persistence: 'aof' | 'rdb' | 'aof+rdb' | 'none' | 'unknown';
  /** maxmemory-policy, undefined when not readable. */
  evictionPolicy: string | undefined;
  /** False when this user may not run INFO (ACL): ioredis' ready check and BullMQ's version check use it. */
  infoAllowed: boolean;
  /** One line per problem, for the start log and /readyz. */
  warnings: string[];
}

const isNoPerm = (err: unknown): boolean => /NOPERM|no permissions/i.test(describeError(err));

async function viaConfig(redis: Redis): Promise<Partial<Record<string, string>> | undefined> {
  try {
    const flat = (await redis.call('CONFIG', 'GET', 'appendonly', 'save', 'maxmemory-policy')) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
    return out;
  } catch (err) {
    if (isNoPerm(err) || /unknown command/i.test(describeError(err))) return undefined;
    throw err;
  }
}

async function viaInfo(redis: Redis): Promise<Partial<Record<string, string>> | undefined> {
  try {
    const text = `${await redis.info('persistence')}\n${await redis.info('memory')}`;
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  } catch (err) {
    if (isNoPerm(err)) return undefined;
    throw err;
  }
}

/** Pure: the report from what CONFIG GET or INFO answered (exported for unit tests). */
export function assessRedisSettings(
  config: Partial<Record<string, string>> | undefined,
  info: Partial<Record<string, string>> | undefined,
): RedisSettingsReport {
  const warnings: string[] = [];
  let aof: boolean | undefined;
  let rdb: boolean | undefined;
  let policy: string | undefined;
  if (config) {
    aof = config.appendonly === 'yes';
    rdb = (config.save ?? '').trim() !== '';
    policy = config['maxmemory-policy'];
  } else if (info) {
    aof = info.aof_enabled === '1';
    // INFO does not show the `save` points; only AOF can be confirmed.
    rdb = undefined;
    policy = info.maxmemory_policy;
  }
  const persistence: RedisSettingsReport['persistence'] =
    aof === undefined
      ? 'unknown'
      : aof && rdb
        ? 'aof+rdb'
        : aof
          ? 'aof'
          : rdb
            ? 'rdb'
            : rdb === false
              ? 'none'
              : 'unknown';
  if (!config && !info)
    warnings.push(
      'cannot check Redis persistence and maxmemory-policy: this Redis user may run neither CONFIG GET nor INFO',
    );
  else if (persistence === 'none')
    warnings.push(
      'Redis keeps nothing on disk (appendonly no, no save points): a restart loses queued enrichment and tracking jobs; mail is re-read from the mailbox',
    );
  else if (persistence === 'unknown')
    warnings.push('Redis AOF is off and RDB save points cannot be read with this user: persistence unknown');
  if (policy !== undefined && policy !== 'noeviction')
    warnings.push(`Redis maxmemory-policy is ${policy}: it may evict queue keys; BullMQ needs noeviction`);
  return { persistence, evictionPolicy: policy, infoAllowed: info !== undefined, warnings };
}

export async function inspectRedisSettings(redis: Redis): Promise<RedisSettingsReport> {
  const config = await viaConfig(redis);
  // INFO is also probed when CONFIG answered: ioredis and BullMQ need to know whether they may use it.
  const info = await viaInfo(redis);
  return assessRedisSettings(config, info);
}

import { AppError, ErrorCodes } from '../../shared/errors.ts';

/**
 * The embedded store serves one host: its SQLite file is local, and a second host with its own file on the same
 * Redis would create incidents with colliding ids and write enrichment rows onto the wrong one (issue 15). So the
 * first process registers the file's store id under the Redis prefix, and a process whose file has another id
 * refuses to start. Processes of one host share the file, hence the id, and start as usual.
 */

/** The slice of a Redis client the claim needs (ioredis). */
export interface ClaimRedis {
  set(key: string, value: string, nx: 'NX'): Promise<'OK' | null>;
  get(key: string): Promise<string | null>;
}

export function storeIdKey(prefix: string): string {
  return `${prefix}:soar:embedded-store-id`;
}

export async function claimEmbeddedStore(
  redis: ClaimRedis,
  prefix: string,
  storeId: string,
  path: string,
): Promise<void> {
  const key = storeIdKey(prefix);
  let registered: string | null = null;
  // A second round only when the key vanished between SET NX and GET (an operator resetting it).
  for (let round = 0; round < 2 && registered === null; round++) {
    if ((await redis.set(key, storeId, 'NX')) === 'OK') return;
    registered = await redis.get(key);
  }
  if (registered === storeId) return;
  throw new AppError(
    ErrorCodes.STORE_SINGLE_HOST,
    `the embedded incident store ${path} (id ${storeId}) is not the one registered on Redis prefix ` +
      `'${prefix}' (id ${registered ?? 'none'}): the embedded store serves one host. For more than one host use ` +
      `soar.kind: postgres (or ibm). If this file replaced the old one on purpose, delete the Redis key ${key}.`,
    { details: { storeId, registered, key } },
  );
}

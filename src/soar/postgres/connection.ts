import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { PoolConfig, QueryResult, QueryResultRow } from 'pg';
import { isLoopbackHost } from '../../config/loopback.ts';
import type { SoarConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { redactUrl } from '../../shared/redis.ts';

/**
 * Connecting to PostgreSQL: the pool settings from config (TLS verified, never switched off), int8 read as a
 * number, and every driver failure mapped to STORE_IO with `retryable` saying whether BullMQ should try again.
 */

export interface PostgresStoreSettings {
  /** postgres://user:password@host:port/db (a secret: never logged, see redactPgUrl). */
  url: string;
  /** Schema holding the tables; created at start when missing. */
  schema: string;
  /** PEM file with the CA(s) of the server certificate. */
  caBundle?: string | undefined;
  poolSize: number;
  connectTimeoutMs: number;
}

/** Settings from `soar.postgres`; CONFIG_INVALID when the URL is missing (it has no default: it holds a password). */
export function postgresSettings(cfg: SoarConfig['postgres']): PostgresStoreSettings {
  if (!cfg?.url) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      'soar.kind is postgres but soar.postgres.url is not set (config urlFile, or SEPM_INTAKE_SOAR_POSTGRES_URL[_FILE])',
    );
  }
  return {
    url: cfg.url,
    schema: cfg.schema,
    caBundle: cfg.caBundle,
    poolSize: cfg.poolSize,
    connectTimeoutMs: cfg.connectTimeoutMs,
  };
}

/** Query parameters of the URL that would set TLS behind our back (pg lets the URL override `ssl`). */
const TLS_PARAMS = ['sslmode', 'ssl', 'sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'uselibpqcompat'];
/** sslmode values that mean "TLS on": all are verified here (full chain + host name), as libpq's verify-full. */
const TLS_ON = new Set(['require', 'verify-ca', 'verify-full']);

function invalid(message: string): AppError {
  return new AppError(ErrorCodes.CONFIG_INVALID, `soar.postgres.url: ${message}`);
}

/** The URL with its password replaced, for messages (the one URL redaction, shared/redis.ts). */
export const redactPgUrl = redactUrl;

/**
 * The pg pool config. TLS is on when sslmode asks for it or a CA bundle is given, and then always verified;
 * sslmode=no-verify (pg's insecure switch) is refused, and plain TCP is accepted only to a loopback host.
 */
export function poolConfig(s: PostgresStoreSettings): PoolConfig {
  let u: URL;
  try {
    u = new URL(s.url);
  } catch {
    throw invalid('not a valid URL');
  }
  if (!/^postgres(ql)?:$/i.test(u.protocol)) throw invalid('must be a postgres:// or postgresql:// URL');
  const mode = (u.searchParams.get('sslmode') ?? '').toLowerCase();
  if (mode && mode !== 'disable' && !TLS_ON.has(mode)) {
    throw invalid(`sslmode=${mode} is not accepted (TLS verification cannot be turned off): use verify-full`);
  }
  const host = decodeURIComponent(u.hostname) || 'localhost';
  const tls = TLS_ON.has(mode) || Boolean(s.caBundle);
  if (!tls && !isLoopbackHost(host)) {
    throw invalid(`${host} is not loopback: use sslmode=verify-full (and caBundle for a private CA)`);
  }
  for (const p of TLS_PARAMS) u.searchParams.delete(p);
  const ssl = tls ? { rejectUnauthorized: true, ...(s.caBundle ? { ca: readCa(s.caBundle) } : {}) } : false;
  return {
    connectionString: u.toString(),
    ssl,
    max: s.poolSize,
    connectionTimeoutMillis: s.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // search_path per connection: the store's tables are found in its schema whatever the role's default is.
    options: `-c search_path=${s.schema}`,
    types: { getTypeParser: typeParser },
    application_name: 'sepm-intake',
  };
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `soar.postgres.caBundle: cannot read ${file}: ${(err as Error).message}`,
    );
  }
}

const INT8_OID = 20;
/** int8 (ids, epoch ms) as a JS number: every value the store writes is below 2^53. */
const typeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
}) as typeof pg.types.getTypeParser;

/**
 * SQLSTATE classes that can clear by themselves: connection loss (08), serialization failure and deadlock (40),
 * too many connections / out of resources (53), operator intervention such as a restart (57), lock timeout
 * (55P03). Constraint violations (23) and syntax errors (42) cannot, so the job fails visibly.
 */
export function isTransientPgError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (/^(08|40|53|57)/.test(code) || code === '55P03') return true;
  // Node socket errors (no SQLSTATE): the server is down or unreachable.
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(code);
}

export function toStoreError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  return new AppError(ErrorCodes.STORE_IO, `incident store (postgres): ${message}`, {
    retryable: isTransientPgError(err) || /Connection terminated|timeout exceeded|connection error/i.test(message),
    details: code ? { sqlstate: code } : undefined,
    cause: err,
  });
}

/** What the store needs of pg: a pool (pg.Pool) and its clients (pg.PoolClient); narrow so tests can stand in. */
export interface PgQueryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
export interface PgClient extends PgQueryable {
  release(): void;
}
export interface PgPool extends PgQueryable {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}

/** Runs `fn` in one transaction on one pooled connection; any failure rolls back and becomes STORE_IO. */
export async function inTransaction<T>(pool: PgPool, fn: (c: PgClient) => Promise<T>): Promise<T> {
  let client: PgClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw toStoreError(err);
  }
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toStoreError(err);
  } finally {
    client.release();
  }
}

/** One statement outside a transaction (reads). */
export async function query<R extends QueryResultRow>(
  pool: PgQueryable,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  try {
    return (await pool.query<R>(text, values)).rows;
  } catch (err) {
    throw toStoreError(err);
  }
}

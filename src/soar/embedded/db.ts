import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { migrate } from './schema.ts';

/** Opening the SQLite file with the settings that make several worker processes on one host safe. */
export function openDatabase(path: string, busyTimeoutMs: number): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
  // WAL lets readers run while one process writes; busy_timeout makes writers queue instead of failing at once.
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Runs a synchronous store operation; SQLite failures become STORE_IO (see isTransientSqliteError). */
export function run<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(storeCall(fn));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

export function storeCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new AppError(ErrorCodes.STORE_IO, `incident store: ${(err as Error).message}`, {
      retryable: isTransientSqliteError(code),
      details: typeof code === 'string' ? { sqlite: code } : undefined,
      cause: err,
    });
  }
}

/**
 * Lock waits past busy_timeout, a full disk and I/O errors can clear by themselves, so the job is retried (BullMQ
 * backoff); constraint violations, corruption or a closed handle cannot, so the job fails visibly.
 */
export function isTransientSqliteError(code: unknown): boolean {
  return typeof code === 'string' && /^SQLITE_(?:BUSY|LOCKED|FULL|IOERR)(?:_|$)/.test(code);
}

const statements = new WeakMap<Database, Map<string, Statement>>();

/** Prepared statement for `text`, compiled once per connection (compiling costs more than running most of them). */
export function sql(db: Database, text: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(text);
  if (!stmt) cache.set(text, (stmt = db.prepare(text)));
  return stmt;
}

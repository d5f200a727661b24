import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresStoreSettings } from '../../src/soar/postgres/store.ts';

/** The machine's PostgreSQL 15 (trust auth, database `test`); override with SEPM_INTAKE_TEST_POSTGRES_URL. */
export const TEST_POSTGRES_URL = process.env.SEPM_INTAKE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name per test file (the store creates it); dropSchema removes it and everything in it. */
export function randomSchema(label = 't'): string {
  return `test_${label}_${randomBytes(6).toString('hex')}`;
}

export function pgSettings(schema: string, overrides: Partial<PostgresStoreSettings> = {}): PostgresStoreSettings {
  return { url: TEST_POSTGRES_URL, schema, poolSize: 4, connectTimeoutMs: 5000, ...overrides };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Throws a clear message when PostgreSQL is not running (integration global setup). */
export async function assertPostgresReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_POSTGRES_URL} (${(err as Error).message}): start it (see .ci/run)`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

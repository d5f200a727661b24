import { inTransaction, type PgPool } from './connection.ts';

/**
 * Numbered schema steps of the PostgreSQL incident store, recorded in schema_migrations. Append new steps; never
 * edit or renumber an applied one. Times are epoch ms (bigint), as in the embedded store.
 *
 * The constraints carry the multi-host promises: (message_id, dedup_key) is unique, so a mail is applied once
 * however many workers race on it; the per-key advisory lock in findOrCreate (store.ts) makes "find the open
 * incident, else create one" a single step across hosts.
 */
export interface PgMigration {
  version: number;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE incidents (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dedup_key text,
        name text NOT NULL,
        description text NOT NULL,
        description_format text NOT NULL DEFAULT 'text',
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
        severity text NOT NULL CHECK (severity IN ('Low', 'Medium', 'High')),
        incident_types jsonb NOT NULL DEFAULT '[]',
        discovered_date bigint NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        last_seen bigint NOT NULL,
        occurrences integer NOT NULL DEFAULT 1,
        properties jsonb NOT NULL DEFAULT '{}',
        resolution text,
        resolution_summary text,
        computer_folded text NOT NULL DEFAULT '',
        risk_folded text NOT NULL DEFAULT ''
      );
      CREATE INDEX incidents_by_key ON incidents (dedup_key, last_seen DESC) WHERE state = 'open';
      CREATE INDEX incidents_by_created ON incidents (created_at DESC, id DESC);
      CREATE INDEX incidents_by_state ON incidents (state, created_at DESC, id DESC);

      CREATE TABLE incident_messages (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id integer NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        message_id text NOT NULL,
        dedup_key text NOT NULL,
        outcome text NOT NULL,
        applied_at bigint NOT NULL,
        CONSTRAINT incident_messages_once UNIQUE (message_id, dedup_key)
      );
      CREATE INDEX incident_messages_by_incident ON incident_messages (incident_id);

      -- value_folded = value.trim().toLowerCase() computed in JS (Unicode rules, the same as the other stores).
      CREATE TABLE artifacts (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id integer NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        type text NOT NULL,
        value text NOT NULL,
        value_folded text NOT NULL,
        description text,
        created_at bigint NOT NULL,
        CONSTRAINT artifacts_once UNIQUE (incident_id, type, value_folded)
      );

      CREATE TABLE notes (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id integer NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        text text NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX notes_by_incident ON notes (incident_id, id);

      CREATE TABLE table_rows (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id integer NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        table_name text NOT NULL,
        cells jsonb NOT NULL DEFAULT '{}',
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX table_rows_by_incident ON table_rows (incident_id, table_name, id);

      CREATE TABLE attachments (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id integer NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        name text NOT NULL,
        content_type text NOT NULL,
        size integer NOT NULL,
        data bytea NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX attachments_by_incident ON attachments (incident_id, id);
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;

/** Advisory lock key (any constant) that serializes migrations of every process starting at the same moment. */
const MIGRATION_LOCK = 0x5e9_1a7e;

/**
 * Creates the schema when missing and applies the steps above the recorded version, all in one transaction under
 * a transaction-level advisory lock: hosts starting together apply each step once, the others wait and see it
 * done. Returns the version in place.
 */
export async function migrate(pool: PgPool, schema: string, now: number = Date.now()): Promise<number> {
  return inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // The name is checked by the config schema ([a-z_][a-z0-9_]*); quoting keeps it literal anyway.
    const exists = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await c.query(`CREATE SCHEMA "${schema}"`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
    );
    const row = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    let current = row.rows[0]?.v ?? 0;
    for (const step of PG_MIGRATIONS) {
      if (step.version <= current) continue;
      await c.query(step.sql);
      await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [step.version, now]);
      current = step.version;
    }
    return current;
  });
}

import { foldSearch } from '../store-common.ts';
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/**
 * Numbered schema steps of the embedded incident store. Append new steps; never edit or renumber an applied one
 * (an existing database only runs the steps above its recorded version).
 */
export interface Migration {
  version: number;
  sql: string;
  /** Data step after the DDL (same transaction), for what SQL alone cannot do well. */
  backfill?: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dedup_key TEXT,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        description_format TEXT NOT NULL DEFAULT 'text',
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
        severity TEXT NOT NULL CHECK (severity IN ('Low', 'Medium', 'High')),
        incident_types TEXT NOT NULL DEFAULT '[]',
        discovered_date INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        occurrences INTEGER NOT NULL DEFAULT 1,
        properties TEXT NOT NULL DEFAULT '{}',
        resolution TEXT,
        resolution_summary TEXT
      );
      CREATE INDEX incidents_by_key ON incidents (dedup_key, state, last_seen);
      CREATE INDEX incidents_by_created ON incidents (created_at DESC, id DESC);

      CREATE TABLE incident_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        applied_at INTEGER NOT NULL,
        UNIQUE (message_id, dedup_key)
      );
      CREATE INDEX incident_messages_by_incident ON incident_messages (incident_id);

      -- value_folded = value.toLowerCase() computed in JS: SQLite's lower() folds ASCII only.
      CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        value_folded TEXT NOT NULL,
        description TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (incident_id, type, value_folded)
      );

      CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX notes_by_incident ON notes (incident_id, id);

      CREATE TABLE table_rows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        table_name TEXT NOT NULL,
        cells TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX table_rows_by_incident ON table_rows (incident_id, table_name, id);

      CREATE TABLE attachments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX attachments_by_incident ON attachments (incident_id, id);
    `,
  },
  {
    // Review-UI search: computer and risk folded into narrow columns, and one covering index in list order, so a
    // filtered page (and its COUNT) scans the index instead of parsing every row's properties JSON.
    version: 2,
    sql: `
      ALTER TABLE incidents ADD COLUMN computer_folded TEXT NOT NULL DEFAULT '';
      ALTER TABLE incidents ADD COLUMN risk_folded TEXT NOT NULL DEFAULT '';
      CREATE INDEX incidents_search ON incidents
        (created_at DESC, id DESC, state, severity, computer_folded, risk_folded);
    `,
    backfill: (db) => {
      const update = db.prepare('UPDATE incidents SET computer_folded = ?, risk_folded = ? WHERE id = ?');
      const rows = db.prepare('SELECT id, properties FROM incidents').all() as { id: number; properties: string }[];
      for (const row of rows) {
        const p = JSON.parse(row.properties) as Record<string, unknown>;
        update.run(foldSearch(p.sepm_computer), foldSearch(p.sepm_risk_name), row.id);
      }
    },
  },
  {
    // The store's identity: registered in Redis at start (claim.ts), so a second host with its own file on the
    // same Redis is refused instead of creating incidents whose ids collide with this one's.
    version: 3,
    sql: `CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
    backfill: (db) => {
      db.prepare(`INSERT INTO store_meta (key, value) VALUES ('store_id', ?)`).run(randomUUID());
    },
  },
];

/** The random id of this store file (migration 3). */
export function readStoreId(db: Database): string {
  const row = db.prepare(`SELECT value FROM store_meta WHERE key = 'store_id'`).get() as { value: string } | undefined;
  if (!row) throw new Error('store_meta has no store_id');
  return row.value;
}

/**
 * Brings the schema up to the newest version. Runs inside BEGIN IMMEDIATE so two processes opening a fresh file
 * at the same moment cannot both apply step 1. Returns the version now in place.
 */
export function migrate(db: Database, now: number = Date.now()): number {
  const run = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const row = db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null };
    let current = row.v ?? 0;
    for (const step of MIGRATIONS) {
      if (step.version <= current) continue;
      db.exec(step.sql);
      step.backfill?.(db);
      db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(step.version, now);
      current = step.version;
    }
    return current;
  });
  return run.immediate();
}

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

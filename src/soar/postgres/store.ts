import { foldSearch, notFound, toArtifact, toNote, type ArtifactRow, type NoteRow } from '../store-common.ts';
import pg from 'pg';
import type { Artifact } from '../../mail/types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { IncidentDetail, IncidentSearch, IncidentSearchResult } from '../port.ts';
import { maxSeverity, occurrenceNote } from '../merge-rules.ts';
import type {
  AttachmentInfo,
  CellValue,
  FindOrCreateOptions,
  FindOrCreateResult,
  Incident,
  IncidentState,
  NewIncident,
  Note,
  SoarClient,
  StoredArtifact,
  TableRow,
} from '../port.ts';
import * as child from './children.ts';
import {
  inTransaction,
  poolConfig,
  query,
  toStoreError,
  type PgClient,
  type PgPool,
  type PgQueryable,
  type PostgresStoreSettings,
} from './connection.ts';
import { migrate } from './migrations.ts';
import { incidentDetail, searchIncidents } from './queries.ts';
import { INCIDENT_COLUMNS, toIncident, type PgIncidentRow } from './rows.ts';

export { postgresSettings, type PostgresStoreSettings } from './connection.ts';

/**
 * The incident store on PostgreSQL: the SOAR port plus the read side the review UI and CLI use (the same methods
 * as the embedded store), for any number of hosts sharing one database.
 *
 * Cross-host safety (docs/architecture.md, soar/postgres): findOrCreate holds a transaction-level advisory lock on
 * the dedup key, so "find the open incident with this key, else create it" runs one at a time per key across every
 * process; (message_id, dedup_key) is a unique constraint, so a mail is applied at most once even if that lock
 * were bypassed. Other writes lock the incident row (SELECT … FOR UPDATE). Isolation stays READ COMMITTED: each
 * statement after the lock sees what the previous holder committed.
 */
export interface PostgresStore extends SoarClient {
  readonly kind: 'postgres';
  /** Newest first, filtered; `total` counts all matches (for paging). */
  searchIncidents(query?: IncidentSearch): Promise<IncidentSearchResult>;
  /** Incident with artifacts, notes, every data table that has rows, attachments and applied Message-IDs. */
  getIncidentDetail(id: number): Promise<IncidentDetail>;
}

export interface PostgresStoreOptions {
  /** Largest attachment accepted (bytes); IBM SOAR's stock limit is 25 MB. */
  maxAttachmentBytes?: number;
  logger?: Logger;
}

/** Connects, migrates the schema to the newest version and returns the store. */
export async function openPostgresStore(
  settings: PostgresStoreSettings,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const pool = new pg.Pool(poolConfig(settings));
  // An idle connection dropped by the server emits here; unhandled it would end the process. The next query
  // gets a fresh connection (or a retryable STORE_IO).
  pool.on('error', (err) => options.logger?.warn({ err: err.message }, 'postgres: idle connection lost'));
  try {
    await migrate(pool, settings.schema);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw toStoreError(err);
  }
  return postgresStoreOn(pool, options);
}

/** The store on an existing, migrated pool (unit tests hand in a stand-in). */
export function postgresStoreOn(pool: PgPool, options: PostgresStoreOptions = {}): PostgresStore {
  return new PgIncidentStore(pool, options.maxAttachmentBytes ?? 25 * 1024 * 1024);
}

class PgIncidentStore implements PostgresStore {
  readonly kind = 'postgres' as const;
  private readonly pool: PgPool;
  private readonly maxAttachmentBytes: number;
  private closed = false;

  constructor(pool: PgPool, maxAttachmentBytes: number) {
    this.pool = pool;
    this.maxAttachmentBytes = maxAttachmentBytes;
  }

  findOrCreateIncident(input: NewIncident, options: FindOrCreateOptions): Promise<FindOrCreateResult> {
    const now = options.now ?? Date.now();
    return inTransaction(this.pool, async (c) => {
      // One holder per dedup key across all hosts until COMMIT (64-bit hash; a collision only serializes).
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('sepm-intake/dedup:' || $1, 0))`, [input.dedupKey]);
      const mid = options.sourceMessageId;
      if (mid) {
        const seen = await query<{ incident_id: number }>(
          c,
          'SELECT incident_id FROM incident_messages WHERE message_id = $1 AND dedup_key = $2',
          [mid, input.dedupKey],
        );
        if (seen[0])
          return { incident: await incident(c, seen[0].incident_id), outcome: 'duplicate', addedArtifacts: [] };
      }
      const open = options.mergeWindowMs > 0 ? await openWithin(c, input.dedupKey, now - options.mergeWindowMs) : null;
      const outcome = open ? 'merged' : 'created';
      const id = open ? await mergeInto(c, open, input, mid, now) : await insertIncident(c, input, now);
      const addedArtifacts = await child.insertArtifacts(c, id, input.artifacts, now);
      if (mid) {
        await c.query(
          `INSERT INTO incident_messages (incident_id, message_id, dedup_key, outcome, applied_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [id, mid, input.dedupKey, outcome, now],
        );
      }
      return { incident: await incident(c, id), outcome, addedArtifacts };
    });
  }

  getIncident(id: number): Promise<Incident> {
    return this.read((c) => incident(c, id));
  }

  listIncidents(q: { state?: IncidentState; limit?: number; offset?: number } = {}): Promise<Incident[]> {
    return searchIncidents(this.pool, q).then((r) => r.incidents);
  }

  searchIncidents(q: IncidentSearch = {}): Promise<IncidentSearchResult> {
    return searchIncidents(this.pool, q);
  }

  async getIncidentDetail(id: number): Promise<IncidentDetail> {
    return incidentDetail(this.pool, await this.getIncident(id));
  }

  closeIncident(id: number, resolution: string, summary: string): Promise<Incident> {
    return inTransaction(this.pool, async (c) => {
      await child.lockIncident(c, id);
      await c.query(
        `UPDATE incidents SET state = 'closed', resolution = $1, resolution_summary = $2, updated_at = $3 WHERE id = $4`,
        [resolution, summary, Date.now(), id],
      );
      return incident(c, id);
    });
  }

  addArtifacts(incidentId: number, artifacts: Artifact[]): Promise<StoredArtifact[]> {
    return inTransaction(this.pool, async (c) => {
      await child.lockIncident(c, incidentId);
      return child.insertArtifacts(c, incidentId, artifacts, Date.now());
    });
  }

  listArtifacts(incidentId: number): Promise<StoredArtifact[]> {
    return this.read(async (c) => {
      await child.requireIncident(c, incidentId);
      const rows = await query<ArtifactRow>(
        c,
        'SELECT id, type, value, description FROM artifacts WHERE incident_id = $1 ORDER BY id',
        [incidentId],
      );
      return rows.map(toArtifact);
    });
  }

  addNote(incidentId: number, text: string): Promise<Note> {
    return inTransaction(this.pool, async (c) => {
      await child.lockIncident(c, incidentId);
      return child.insertNote(c, incidentId, text, Date.now());
    });
  }

  listNotes(incidentId: number): Promise<Note[]> {
    return this.read(async (c) => {
      await child.requireIncident(c, incidentId);
      const rows = await query<NoteRow>(
        c,
        'SELECT id, text, created_at FROM notes WHERE incident_id = $1 ORDER BY id',
        [incidentId],
      );
      return rows.map(toNote);
    });
  }

  addTableRow(incidentId: number, table: string, cells: Record<string, CellValue>): Promise<TableRow> {
    return inTransaction(this.pool, (c) => child.insertTableRow(c, incidentId, table, cells));
  }

  updateTableRow(
    incidentId: number,
    table: string,
    rowId: number,
    cells: Record<string, CellValue>,
  ): Promise<TableRow> {
    return inTransaction(this.pool, (c) => child.mergeTableRow(c, incidentId, table, rowId, cells));
  }

  listTableRows(incidentId: number, table: string): Promise<TableRow[]> {
    return this.read((c) => child.selectTableRows(c, incidentId, table));
  }

  deleteTableRow(incidentId: number, table: string, rowId: number): Promise<void> {
    return inTransaction(this.pool, (c) => child.removeTableRow(c, incidentId, table, rowId));
  }

  addAttachment(incidentId: number, name: string, contentType: string, data: Buffer): Promise<AttachmentInfo> {
    const file = { name, contentType, data };
    return inTransaction(this.pool, (c) => child.insertAttachment(c, incidentId, file, this.maxAttachmentBytes));
  }

  listAttachments(incidentId: number): Promise<AttachmentInfo[]> {
    return this.read((c) => child.selectAttachments(c, incidentId));
  }

  getAttachment(incidentId: number, attachmentId: number): Promise<{ info: AttachmentInfo; data: Buffer }> {
    return this.read((c) => child.selectAttachment(c, incidentId, attachmentId));
  }

  /** Reads run on the pool (autocommit): no transaction needed for one consistent statement each. */
  private read<T>(fn: (c: PgQueryable) => Promise<T>): Promise<T> {
    return fn(this.pool);
  }

  async ping(): Promise<void> {
    await query(this.pool, 'SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

type Db = PgQueryable;

async function incident(c: Db, id: number): Promise<Incident> {
  child.checkId('incident', id);
  const rows = await query<PgIncidentRow>(c, `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1`, [id]);
  if (!rows[0]) throw notFound('incident', id);
  return toIncident(rows[0]);
}

/** The open incident with this key last seen at or after `since`, locked for the merge. */
async function openWithin(c: PgClient, dedupKey: string, since: number): Promise<PgIncidentRow | null> {
  const rows = await query<PgIncidentRow>(
    c,
    `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE dedup_key = $1 AND state = 'open' AND last_seen >= $2
      ORDER BY last_seen DESC, id DESC LIMIT 1 FOR UPDATE`,
    [dedupKey, since],
  );
  return rows[0] ?? null;
}

async function insertIncident(c: PgClient, input: NewIncident, now: number): Promise<number> {
  const rows = await query<{ id: number }>(
    c,
    `INSERT INTO incidents (dedup_key, name, description, description_format, state, severity, incident_types,
        discovered_date, created_at, updated_at, last_seen, occurrences, properties, computer_folded, risk_folded)
      VALUES ($1, $2, $3, $4, 'open', $5, $6::jsonb, $7, $8, $8, $8, 1, $9::jsonb, $10, $11) RETURNING id`,
    [
      input.dedupKey,
      input.name,
      input.description,
      input.descriptionFormat,
      input.severity,
      JSON.stringify(input.incidentTypes),
      input.discoveredDate,
      now,
      JSON.stringify(input.properties),
      foldSearch(input.properties.sepm_computer),
      foldSearch(input.properties.sepm_risk_name),
    ],
  );
  return rows[0]!.id;
}

/** A repeat: count it, slide the window, keep the worse severity, and leave a note saying what came in. */
async function mergeInto(
  c: PgClient,
  row: PgIncidentRow,
  input: NewIncident,
  mid: string | undefined,
  now: number,
): Promise<number> {
  const occurrence = row.occurrences + 1;
  await c.query(
    `UPDATE incidents SET occurrences = $1, last_seen = GREATEST(last_seen, $2), updated_at = $2, severity = $3
      WHERE id = $4`,
    [occurrence, now, maxSeverity(row.severity, input.severity), row.id],
  );
  await child.insertNote(c, row.id, occurrenceNote(occurrence, input, mid, now), now);
  return row.id;
}

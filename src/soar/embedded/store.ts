import { foldSearch, notFound, toArtifact, toNote, type ArtifactRow, type NoteRow } from '../store-common.ts';
import type { Database } from 'better-sqlite3';
import type { Artifact } from '../../mail/types.ts';
import { openDatabase, run, sql, storeCall } from './db.ts';
import { readStoreId } from './schema.ts';
import { foldArtifactValue, maxSeverity, newArtifacts, occurrenceNote } from '../merge-rules.ts';
import { incidentDetail, searchIncidents } from './queries.ts';
import { toIncident, type IncidentRow } from './rows.ts';
import {
  insertAttachment,
  insertTableRow,
  mergeTableRow,
  removeTableRow,
  requireIncident,
  selectAttachment,
  selectAttachments,
  selectTableRows,
} from './tables.ts';
import type {
  AttachmentInfo,
  CellValue,
  FindOrCreateOptions,
  FindOrCreateResult,
  Incident,
  IncidentDetail,
  IncidentSearch,
  IncidentSearchResult,
  IncidentState,
  NewIncident,
  Note,
  ReviewStore,
  SoarClient,
  StoredArtifact,
  TableRow,
} from '../port.ts';

/** The embedded SQLite incident store: the SOAR port plus the read side the review UI and CLI need. */
export interface EmbeddedStore extends SoarClient, ReviewStore {
  readonly kind: 'embedded';
  readonly path: string;
  /** Random id kept in the file; registered in Redis so the store is never shared across hosts (claim.ts). */
  readonly storeId: string;
}

export interface EmbeddedStoreOptions {
  /** How long a writer waits for another process's lock before SQLITE_BUSY (ms). */
  busyTimeoutMs?: number;
  /** Largest attachment accepted (bytes); IBM SOAR's stock limit is 25 MB. */
  maxAttachmentBytes?: number;
}

/** Opens (creating and migrating when needed) the store at `path`; ':memory:' gives a private in-memory store. */
export function openEmbeddedStore(path: string, options: EmbeddedStoreOptions = {}): EmbeddedStore {
  return new SqliteIncidentStore(path, options);
}

class SqliteIncidentStore implements EmbeddedStore {
  readonly kind = 'embedded' as const;
  readonly path: string;
  readonly storeId: string;
  private readonly db: Database;
  private readonly maxAttachmentBytes: number;

  constructor(path: string, options: EmbeddedStoreOptions) {
    this.path = path;
    this.maxAttachmentBytes = options.maxAttachmentBytes ?? 25 * 1024 * 1024;
    this.db = storeCall(() => openDatabase(path, options.busyTimeoutMs ?? 5000));
    this.storeId = storeCall(() => readStoreId(this.db));
  }

  findOrCreateIncident(input: NewIncident, options: FindOrCreateOptions): Promise<FindOrCreateResult> {
    const now = options.now ?? Date.now();
    return this.write(() => this.findOrCreateTx(input, options, now));
  }

  private findOrCreateTx(input: NewIncident, options: FindOrCreateOptions, now: number): FindOrCreateResult {
    const mid = options.sourceMessageId;
    if (mid) {
      const seen = sql(this.db, 'SELECT incident_id FROM incident_messages WHERE message_id = ? AND dedup_key = ?').get(
        mid,
        input.dedupKey,
      ) as { incident_id: number } | undefined;
      if (seen) return { incident: this.incident(seen.incident_id), outcome: 'duplicate', addedArtifacts: [] };
    }
    const open = options.mergeWindowMs > 0 ? this.openWithin(input.dedupKey, now - options.mergeWindowMs) : undefined;
    const outcome = open ? 'merged' : 'created';
    const id = open ? this.mergeInto(open, input, mid, now) : this.insertIncident(input, now);
    const addedArtifacts = this.insertArtifacts(id, input.artifacts, now);
    if (mid) {
      sql(
        this.db,
        'INSERT INTO incident_messages (incident_id, message_id, dedup_key, outcome, applied_at) VALUES (?, ?, ?, ?, ?)',
      ).run(id, mid, input.dedupKey, outcome, now);
    }
    return { incident: this.incident(id), outcome, addedArtifacts };
  }

  /** The open incident with this key last seen at or after `since` (a window of 0 turns merging off). */
  private openWithin(dedupKey: string, since: number): IncidentRow | undefined {
    return sql(
      this.db,
      `SELECT * FROM incidents WHERE dedup_key = ? AND state = 'open' AND last_seen >= ?
         ORDER BY last_seen DESC, id DESC LIMIT 1`,
    ).get(dedupKey, since) as IncidentRow | undefined;
  }

  private insertIncident(input: NewIncident, now: number): number {
    const info = sql(
      this.db,
      `INSERT INTO incidents (dedup_key, name, description, description_format, state, severity, incident_types,
           discovered_date, created_at, updated_at, last_seen, occurrences, properties, computer_folded, risk_folded)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    ).run(
      input.dedupKey,
      input.name,
      input.description,
      input.descriptionFormat,
      input.severity,
      JSON.stringify(input.incidentTypes),
      input.discoveredDate,
      now,
      now,
      now,
      JSON.stringify(input.properties),
      foldSearch(input.properties.sepm_computer),
      foldSearch(input.properties.sepm_risk_name),
    );
    return Number(info.lastInsertRowid);
  }

  /** A repeat: count it, slide the window, keep the worse severity, and leave a note saying what came in. */
  private mergeInto(row: IncidentRow, input: NewIncident, mid: string | undefined, now: number): number {
    const occurrence = row.occurrences + 1;
    sql(
      this.db,
      `UPDATE incidents SET occurrences = ?, last_seen = MAX(last_seen, ?), updated_at = ?, severity = ?
         WHERE id = ?`,
    ).run(occurrence, now, now, maxSeverity(row.severity, input.severity), row.id);
    this.insertNote(row.id, occurrenceNote(occurrence, input, mid, now), now);
    return row.id;
  }

  private insertArtifacts(incidentId: number, artifacts: readonly Artifact[], now: number): StoredArtifact[] {
    const insert = sql(
      this.db,
      `INSERT INTO artifacts (incident_id, type, value, value_folded, description, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, type, value_folded) DO NOTHING`,
    );
    const added: StoredArtifact[] = [];
    for (const a of newArtifacts([], artifacts)) {
      const info = insert.run(incidentId, a.type, a.value, foldArtifactValue(a.value), a.description ?? null, now);
      if (info.changes === 0) continue;
      const stored: StoredArtifact = { id: Number(info.lastInsertRowid), type: a.type, value: a.value };
      if (a.description !== undefined) stored.description = a.description;
      added.push(stored);
    }
    return added;
  }

  private insertNote(incidentId: number, text: string, now: number): Note {
    const info = sql(this.db, 'INSERT INTO notes (incident_id, text, created_at) VALUES (?, ?, ?)').run(
      incidentId,
      text,
      now,
    );
    return { id: Number(info.lastInsertRowid), text, createdAt: now };
  }

  private incident(id: number): Incident {
    const row = sql(this.db, 'SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    if (!row) throw notFound('incident', id);
    return toIncident(row);
  }

  getIncident(id: number): Promise<Incident> {
    return run(() => this.incident(id));
  }

  listIncidents(query: { state?: IncidentState; limit?: number; offset?: number } = {}): Promise<Incident[]> {
    return run(() => searchIncidents(this.db, query).incidents);
  }

  searchIncidents(query: IncidentSearch = {}): Promise<IncidentSearchResult> {
    return run(() => searchIncidents(this.db, query));
  }

  getIncidentDetail(id: number): Promise<IncidentDetail> {
    return run(() => incidentDetail(this.db, this.incident(id)));
  }

  closeIncident(id: number, resolution: string, summary: string): Promise<Incident> {
    return this.write(() => {
      requireIncident(this.db, id);
      sql(
        this.db,
        `UPDATE incidents SET state = 'closed', resolution = ?, resolution_summary = ?, updated_at = ? WHERE id = ?`,
      ).run(resolution, summary, Date.now(), id);
      return this.incident(id);
    });
  }

  addArtifacts(incidentId: number, artifacts: Artifact[]): Promise<StoredArtifact[]> {
    return this.write(() => {
      requireIncident(this.db, incidentId);
      return this.insertArtifacts(incidentId, artifacts, Date.now());
    });
  }

  listArtifacts(incidentId: number): Promise<StoredArtifact[]> {
    return run(() => {
      requireIncident(this.db, incidentId);
      const rows = sql(
        this.db,
        'SELECT id, type, value, description FROM artifacts WHERE incident_id = ? ORDER BY id',
      ).all(incidentId) as ArtifactRow[];
      return rows.map(toArtifact);
    });
  }

  addNote(incidentId: number, text: string): Promise<Note> {
    return this.write(() => {
      requireIncident(this.db, incidentId);
      return this.insertNote(incidentId, text, Date.now());
    });
  }

  listNotes(incidentId: number): Promise<Note[]> {
    return run(() => {
      requireIncident(this.db, incidentId);
      const rows = sql(this.db, 'SELECT id, text, created_at FROM notes WHERE incident_id = ? ORDER BY id').all(
        incidentId,
      ) as NoteRow[];
      return rows.map(toNote);
    });
  }

  addTableRow(incidentId: number, table: string, cells: Record<string, CellValue>): Promise<TableRow> {
    return this.write(() => insertTableRow(this.db, incidentId, table, cells));
  }

  updateTableRow(
    incidentId: number,
    table: string,
    rowId: number,
    cells: Record<string, CellValue>,
  ): Promise<TableRow> {
    return this.write(() => mergeTableRow(this.db, incidentId, table, rowId, cells));
  }

  listTableRows(incidentId: number, table: string): Promise<TableRow[]> {
    return run(() => selectTableRows(this.db, incidentId, table));
  }

  deleteTableRow(incidentId: number, table: string, rowId: number): Promise<void> {
    return this.write(() => removeTableRow(this.db, incidentId, table, rowId));
  }

  addAttachment(incidentId: number, name: string, contentType: string, data: Buffer): Promise<AttachmentInfo> {
    const file = { name, contentType, data };
    return this.write(() => insertAttachment(this.db, incidentId, file, this.maxAttachmentBytes));
  }

  listAttachments(incidentId: number): Promise<AttachmentInfo[]> {
    return run(() => selectAttachments(this.db, incidentId));
  }

  getAttachment(incidentId: number, attachmentId: number): Promise<{ info: AttachmentInfo; data: Buffer }> {
    return run(() => selectAttachment(this.db, incidentId, attachmentId));
  }

  /** Every read-modify-write takes the write lock up front (BEGIN IMMEDIATE): no lock upgrade, no deadlock. */
  private write<T>(fn: () => T): Promise<T> {
    return run(() => this.db.transaction(fn).immediate());
  }

  ping(): Promise<void> {
    return run(() => {
      sql(this.db, 'SELECT 1').get();
    });
  }

  close(): Promise<void> {
    return run(() => {
      if (this.db.open) this.db.close();
    });
  }
}

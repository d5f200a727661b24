import { toArtifact, toNote, type ArtifactRow, type NoteRow } from '../store-common.ts';
import type { Database } from 'better-sqlite3';
import { sql } from './db.ts';
import {
  toAttachmentInfo,
  toIncident,
  toTableRow,
  type AttachmentRow,
  type IncidentRow,
  type TableRowRow,
} from './rows.ts';
import type { Incident, IncidentDetail, IncidentSearch, IncidentSearchResult, TableRow } from '../port.ts';

/** Read-side queries of the embedded store for the review UI and the `incidents` command. */

const MAX_LIMIT = 1000;

/** LIKE pattern for a literal substring: the user's % and _ must not act as wildcards. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function searchIncidents(db: Database, q: IncidentSearch): IncidentSearchResult {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.state) {
    where.push('state = ?');
    params.push(q.state);
  }
  if (q.severity) {
    where.push('severity = ?');
    params.push(q.severity);
  }
  if (q.computer) {
    where.push(`computer_folded LIKE ? ESCAPE '\\'`);
    params.push(likePattern(q.computer));
  }
  if (q.risk) {
    where.push(`risk_folded LIKE ? ESCAPE '\\'`);
    params.push(likePattern(q.risk));
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 100), 0), MAX_LIMIT);
  const offset = Math.max(Math.trunc(q.offset ?? 0), 0);
  const total = (sql(db, `SELECT COUNT(*) AS n FROM incidents ${clause}`).get(...params) as { n: number }).n;
  const rows = sql(db, `SELECT * FROM incidents ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all(
    ...params,
    limit,
    offset,
  ) as IncidentRow[];
  return { total, incidents: rows.map(toIncident) };
}

export function incidentDetail(db: Database, incident: Incident): IncidentDetail {
  const id = incident.id;
  const artifacts = (
    sql(db, 'SELECT id, type, value, description FROM artifacts WHERE incident_id = ? ORDER BY id').all(
      id,
    ) as ArtifactRow[]
  ).map(toArtifact);
  const notes = (
    sql(db, 'SELECT id, text, created_at FROM notes WHERE incident_id = ? ORDER BY id').all(id) as NoteRow[]
  ).map(toNote);
  const tables: Record<string, TableRow[]> = {};
  const rows = sql(
    db,
    'SELECT id, table_name, cells FROM table_rows WHERE incident_id = ? ORDER BY table_name, id',
  ).all(id) as TableRowRow[];
  for (const row of rows) (tables[row.table_name] ??= []).push(toTableRow(row));
  const attachments = (
    sql(db, 'SELECT id, name, content_type, size, created_at FROM attachments WHERE incident_id = ? ORDER BY id').all(
      id,
    ) as AttachmentRow[]
  ).map(toAttachmentInfo);
  const messages = (
    sql(db, 'SELECT message_id, outcome, applied_at FROM incident_messages WHERE incident_id = ? ORDER BY id').all(
      id,
    ) as { message_id: string; outcome: string; applied_at: number }[]
  ).map((m) => ({ messageId: m.message_id, outcome: m.outcome, appliedAt: m.applied_at }));
  return { incident, artifacts, notes, tables, attachments, messages };
}

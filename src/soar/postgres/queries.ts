import { toArtifact, toNote, type ArtifactRow, type NoteRow } from '../store-common.ts';
import type { IncidentDetail, IncidentSearch, IncidentSearchResult } from '../port.ts';
import type { Incident, TableRow } from '../port.ts';
import { query, type PgQueryable } from './connection.ts';
import {
  INCIDENT_COLUMNS,
  toAttachmentInfo,
  toIncident,
  toTableRow,
  type PgAttachmentRow,
  type PgIncidentRow,
  type PgTableRow,
} from './rows.ts';

/** Read side of the PostgreSQL store for the review UI and the `incidents` command (same shapes as embedded). */

const MAX_LIMIT = 1000;

/** LIKE pattern for a literal substring: the user's % and _ must not act as wildcards. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchIncidents(pool: PgQueryable, q: IncidentSearch): Promise<IncidentSearchResult> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (q.state) add('state = ?', q.state);
  if (q.severity) add('severity = ?', q.severity);
  if (q.computer) add(`computer_folded LIKE ? ESCAPE '\\'`, likePattern(q.computer));
  if (q.risk) add(`risk_folded LIKE ? ESCAPE '\\'`, likePattern(q.risk));
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 100), 0), MAX_LIMIT);
  const offset = Math.max(Math.trunc(q.offset ?? 0), 0);
  const [count, rows] = await Promise.all([
    query<{ n: number }>(pool, `SELECT COUNT(*)::int AS n FROM incidents ${clause}`, params),
    query<PgIncidentRow>(
      pool,
      `SELECT ${INCIDENT_COLUMNS} FROM incidents ${clause}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    ),
  ]);
  return { total: count[0]?.n ?? 0, incidents: rows.map(toIncident) };
}

export async function incidentDetail(pool: PgQueryable, incident: Incident): Promise<IncidentDetail> {
  const id = [incident.id];
  const [artifacts, notes, rows, attachments, messages] = await Promise.all([
    query<ArtifactRow>(
      pool,
      'SELECT id, type, value, description FROM artifacts WHERE incident_id = $1 ORDER BY id',
      id,
    ),
    query<NoteRow>(pool, 'SELECT id, text, created_at FROM notes WHERE incident_id = $1 ORDER BY id', id),
    query<PgTableRow>(
      pool,
      'SELECT id, table_name, cells FROM table_rows WHERE incident_id = $1 ORDER BY table_name, id',
      id,
    ),
    query<PgAttachmentRow>(
      pool,
      'SELECT id, name, content_type, size, created_at FROM attachments WHERE incident_id = $1 ORDER BY id',
      id,
    ),
    query<{ message_id: string; outcome: string; applied_at: number }>(
      pool,
      'SELECT message_id, outcome, applied_at FROM incident_messages WHERE incident_id = $1 ORDER BY id',
      id,
    ),
  ]);
  const tables: Record<string, TableRow[]> = {};
  for (const row of rows) (tables[row.table_name] ??= []).push(toTableRow(row));
  return {
    incident,
    artifacts: artifacts.map(toArtifact),
    notes: notes.map(toNote),
    tables,
    attachments: attachments.map(toAttachmentInfo),
    messages: messages.map((m) => ({ messageId: m.message_id, outcome: m.outcome, appliedAt: m.applied_at })),
  };
}

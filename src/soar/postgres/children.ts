import { assertTableCells, assertKnownTable, notFound } from '../store-common.ts';
import type { Artifact } from '../../mail/types.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { foldArtifactValue, newArtifacts } from '../merge-rules.ts';
import type { AttachmentInfo, CellValue, Note, StoredArtifact, TableRow } from '../port.ts';
import { query, type PgQueryable } from './connection.ts';
import { toAttachmentInfo, toTableRow, type PgAttachmentRow, type PgTableRow } from './rows.ts';

/**
 * What hangs off an incident in the PostgreSQL store: artifacts, notes, data-table rows, attachments. Each takes
 * the transaction's connection; column and table checks are the embedded store's (the same answers as IBM SOAR).
 */

type Db = PgQueryable;

/** Largest id of an `integer` column: anything above cannot exist (and would be a type error in SQL). */
const MAX_ID = 2_147_483_647;

/** Locks the incident row (FOR UPDATE: concurrent writers to one incident queue) or answers SOAR_NOT_FOUND. */
export async function lockIncident(db: Db, id: number): Promise<void> {
  checkId('incident', id);
  const rows = await query(db, 'SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [id]);
  if (rows.length === 0) throw notFound('incident', id);
}

/** SOAR_NOT_FOUND for an id no integer column can hold, before it reaches SQL. */
export function checkId(what: string, id: number): void {
  if (!Number.isSafeInteger(id) || id < 1 || id > MAX_ID) throw notFound(what, id);
}

export async function insertArtifacts(
  db: Db,
  incidentId: number,
  artifacts: readonly Artifact[],
  now: number,
): Promise<StoredArtifact[]> {
  const added: StoredArtifact[] = [];
  for (const a of newArtifacts([], artifacts)) {
    // ON CONFLICT: an artifact already on the incident (same type, folded value) is not added again.
    const rows = await query<{ id: number }>(
      db,
      `INSERT INTO artifacts (incident_id, type, value, value_folded, description, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ON CONSTRAINT artifacts_once DO NOTHING RETURNING id`,
      [incidentId, a.type, a.value, foldArtifactValue(a.value), a.description ?? null, now],
    );
    if (rows.length === 0) continue;
    const stored: StoredArtifact = { id: rows[0]!.id, type: a.type, value: a.value };
    if (a.description !== undefined) stored.description = a.description;
    added.push(stored);
  }
  return added;
}

export async function insertNote(db: Db, incidentId: number, text: string, now: number): Promise<Note> {
  const rows = await query<{ id: number }>(
    db,
    'INSERT INTO notes (incident_id, text, created_at) VALUES ($1, $2, $3) RETURNING id',
    [incidentId, text, now],
  );
  return { id: rows[0]!.id, text, createdAt: now };
}

export async function insertTableRow(
  db: Db,
  incidentId: number,
  table: string,
  cells: Record<string, CellValue>,
): Promise<TableRow> {
  assertKnownTable(table);
  assertTableCells(table, cells);
  await lockIncident(db, incidentId);
  const now = Date.now();
  const rows = await query<{ id: number }>(
    db,
    `INSERT INTO table_rows (incident_id, table_name, cells, created_at, updated_at)
     VALUES ($1, $2, $3::jsonb, $4, $4) RETURNING id`,
    [incidentId, table, JSON.stringify(cells), now],
  );
  return { id: rows[0]!.id, cells: { ...cells } };
}

/** Merges `cells` into the stored row in one statement (jsonb ||): columns not given keep their value. */
export async function mergeTableRow(
  db: Db,
  incidentId: number,
  table: string,
  rowId: number,
  cells: Record<string, CellValue>,
): Promise<TableRow> {
  assertKnownTable(table);
  assertTableCells(table, cells);
  await lockIncident(db, incidentId);
  checkId(`${table} row`, rowId);
  const rows = await query<PgTableRow>(
    db,
    `UPDATE table_rows SET cells = cells || $1::jsonb, updated_at = $2
      WHERE id = $3 AND incident_id = $4 AND table_name = $5 RETURNING id, table_name, cells`,
    [JSON.stringify(cells), Date.now(), rowId, incidentId, table],
  );
  if (rows.length === 0) throw notFound(`${table} row`, rowId);
  return toTableRow(rows[0]!);
}

export async function selectTableRows(db: Db, incidentId: number, table: string): Promise<TableRow[]> {
  assertKnownTable(table);
  await requireIncident(db, incidentId);
  const rows = await query<PgTableRow>(
    db,
    'SELECT id, table_name, cells FROM table_rows WHERE incident_id = $1 AND table_name = $2 ORDER BY id',
    [incidentId, table],
  );
  return rows.map(toTableRow);
}

export async function removeTableRow(db: Db, incidentId: number, table: string, rowId: number): Promise<void> {
  assertKnownTable(table);
  await lockIncident(db, incidentId);
  checkId(`${table} row`, rowId);
  const rows = await query(
    db,
    'DELETE FROM table_rows WHERE id = $1 AND incident_id = $2 AND table_name = $3 RETURNING id',
    [rowId, incidentId, table],
  );
  if (rows.length === 0) throw notFound(`${table} row`, rowId);
}

export async function insertAttachment(
  db: Db,
  incidentId: number,
  file: { name: string; contentType: string; data: Buffer },
  maxBytes: number,
): Promise<AttachmentInfo> {
  if (file.data.length > maxBytes) {
    throw new AppError(ErrorCodes.SOAR_BAD_REQUEST, `attachment of ${file.data.length} bytes exceeds the limit`, {
      status: 413,
      details: { limitBytes: maxBytes },
    });
  }
  await lockIncident(db, incidentId);
  const now = Date.now();
  const contentType = file.contentType || 'application/octet-stream';
  const rows = await query<{ id: number }>(
    db,
    `INSERT INTO attachments (incident_id, name, content_type, size, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [incidentId, file.name, contentType, file.data.length, file.data, now],
  );
  return { id: rows[0]!.id, name: file.name, contentType, size: file.data.length, createdAt: now };
}

export async function selectAttachments(db: Db, incidentId: number): Promise<AttachmentInfo[]> {
  await requireIncident(db, incidentId);
  const rows = await query<PgAttachmentRow>(
    db,
    'SELECT id, name, content_type, size, created_at FROM attachments WHERE incident_id = $1 ORDER BY id',
    [incidentId],
  );
  return rows.map(toAttachmentInfo);
}

export async function selectAttachment(
  db: Db,
  incidentId: number,
  attachmentId: number,
): Promise<{ info: AttachmentInfo; data: Buffer }> {
  await requireIncident(db, incidentId);
  checkId('attachment', attachmentId);
  const rows = await query<PgAttachmentRow & { data: Buffer }>(
    db,
    'SELECT id, name, content_type, size, created_at, data FROM attachments WHERE id = $1 AND incident_id = $2',
    [attachmentId, incidentId],
  );
  const row = rows[0];
  if (!row) throw notFound('attachment', attachmentId);
  return { info: toAttachmentInfo(row), data: row.data };
}

/** Existence check without a lock, for reads. */
export async function requireIncident(db: Db, id: number): Promise<void> {
  checkId('incident', id);
  const rows = await query(db, 'SELECT 1 FROM incidents WHERE id = $1', [id]);
  if (rows.length === 0) throw notFound('incident', id);
}

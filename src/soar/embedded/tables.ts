import { assertTableCells, assertKnownTable, notFound } from '../store-common.ts';
import type { Database } from 'better-sqlite3';
import { sql } from './db.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { toAttachmentInfo, toTableRow, type AttachmentRow, type TableRowRow } from './rows.ts';
import type { AttachmentInfo, CellValue, TableRow } from '../port.ts';

/**
 * Data-table rows and attachments of the embedded store. Synchronous; the store runs the writes inside its
 * BEGIN IMMEDIATE transactions.
 */

export function requireIncident(db: Database, id: number): void {
  if (!sql(db, 'SELECT 1 FROM incidents WHERE id = ?').get(id)) throw notFound('incident', id);
}

export function insertTableRow(
  db: Database,
  incidentId: number,
  table: string,
  cells: Record<string, CellValue>,
): TableRow {
  assertKnownTable(table);
  assertTableCells(table, cells);
  requireIncident(db, incidentId);
  const now = Date.now();
  const info = sql(
    db,
    'INSERT INTO table_rows (incident_id, table_name, cells, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  ).run(incidentId, table, JSON.stringify(cells), now, now);
  return { id: Number(info.lastInsertRowid), cells: { ...cells } };
}

/** Merges `cells` into the stored row: columns not given keep their value (SOAR's PUT wants every column). */
export function mergeTableRow(
  db: Database,
  incidentId: number,
  table: string,
  rowId: number,
  cells: Record<string, CellValue>,
): TableRow {
  assertKnownTable(table);
  assertTableCells(table, cells);
  const row = findTableRow(db, incidentId, table, rowId);
  const merged = { ...toTableRow(row).cells, ...cells };
  sql(db, 'UPDATE table_rows SET cells = ?, updated_at = ? WHERE id = ?').run(
    JSON.stringify(merged),
    Date.now(),
    rowId,
  );
  return { id: rowId, cells: merged };
}

export function selectTableRows(db: Database, incidentId: number, table: string): TableRow[] {
  assertKnownTable(table);
  requireIncident(db, incidentId);
  const rows = sql(
    db,
    'SELECT id, table_name, cells FROM table_rows WHERE incident_id = ? AND table_name = ? ORDER BY id',
  ).all(incidentId, table) as TableRowRow[];
  return rows.map(toTableRow);
}

export function removeTableRow(db: Database, incidentId: number, table: string, rowId: number): void {
  assertKnownTable(table);
  findTableRow(db, incidentId, table, rowId);
  sql(db, 'DELETE FROM table_rows WHERE id = ?').run(rowId);
}

function findTableRow(db: Database, incidentId: number, table: string, rowId: number): TableRowRow {
  requireIncident(db, incidentId);
  const row = sql(
    db,
    'SELECT id, table_name, cells FROM table_rows WHERE id = ? AND incident_id = ? AND table_name = ?',
  ).get(rowId, incidentId, table) as TableRowRow | undefined;
  if (!row) throw notFound(`${table} row`, rowId);
  return row;
}

export function insertAttachment(
  db: Database,
  incidentId: number,
  file: { name: string; contentType: string; data: Buffer },
  maxBytes: number,
): AttachmentInfo {
  if (file.data.length > maxBytes) {
    throw new AppError(ErrorCodes.SOAR_BAD_REQUEST, `attachment of ${file.data.length} bytes exceeds the limit`, {
      status: 413,
      details: { limitBytes: maxBytes },
    });
  }
  requireIncident(db, incidentId);
  const now = Date.now();
  const contentType = file.contentType || 'application/octet-stream';
  const info = sql(
    db,
    'INSERT INTO attachments (incident_id, name, content_type, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(incidentId, file.name, contentType, file.data.length, file.data, now);
  return { id: Number(info.lastInsertRowid), name: file.name, contentType, size: file.data.length, createdAt: now };
}

export function selectAttachments(db: Database, incidentId: number): AttachmentInfo[] {
  requireIncident(db, incidentId);
  const rows = sql(
    db,
    'SELECT id, name, content_type, size, created_at FROM attachments WHERE incident_id = ? ORDER BY id',
  ).all(incidentId) as AttachmentRow[];
  return rows.map(toAttachmentInfo);
}

export function selectAttachment(
  db: Database,
  incidentId: number,
  attachmentId: number,
): { info: AttachmentInfo; data: Buffer } {
  requireIncident(db, incidentId);
  const row = sql(
    db,
    'SELECT id, name, content_type, size, created_at, data FROM attachments WHERE id = ? AND incident_id = ?',
  ).get(attachmentId, incidentId) as (AttachmentRow & { data: Buffer }) | undefined;
  if (!row) throw notFound('attachment', attachmentId);
  return { info: toAttachmentInfo(row), data: row.data };
}

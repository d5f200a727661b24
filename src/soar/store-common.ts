import { AppError, ErrorCodes } from '../shared/errors.ts';
import type { ArtifactType } from '../mail/types.ts';
import type { CellValue, Note, StoredArtifact } from './port.ts';
import { SEP_TABLE_COLUMNS, SepTables, type ColumnKind } from './sep-tables.ts';

/**
 * What the two stores we own (embedded SQLite, PostgreSQL) share: row mappers for the tables of the same shape, the
 * table and cell checks IBM SOAR makes, the not-found error and the folding of searchable values.
 *
 * The stores check cells against the SEP table columns (sep-tables.ts) as IBM SOAR does (unknown column or
 * wrong type → 400), so code that writes rows works the same on both adapters.
 */

function fits(kind: ColumnKind, value: CellValue): boolean {
  if (value === null) return true;
  if (kind === 'number' || kind === 'datetime') return typeof value === 'number' && Number.isFinite(value);
  if (kind === 'boolean') return typeof value === 'boolean';
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Throws SOAR_BAD_REQUEST for a column the table does not have or a value of the wrong type. */
export function assertTableCells(table: string, cells: Record<string, CellValue>): void {
  const columns = SEP_TABLE_COLUMNS[table] ?? {};
  for (const [column, value] of Object.entries(cells)) {
    const kind = columns[column];
    if (!kind) {
      throw new AppError(ErrorCodes.SOAR_BAD_REQUEST, `unknown column '${column}' in data table ${table}`, {
        status: 400,
      });
    }
    if (!fits(kind, value)) {
      throw new AppError(ErrorCodes.SOAR_BAD_REQUEST, `invalid value for column '${column}' (${kind})`, {
        status: 400,
      });
    }
  }
}

const KNOWN_TABLES: ReadonlySet<string> = new Set(Object.values(SepTables));

/** The same table names as the SOAR org has; anything else is "not found", as IBM SOAR answers 404. */
export function assertKnownTable(table: string): void {
  if (!KNOWN_TABLES.has(table)) {
    throw new AppError(ErrorCodes.SOAR_NOT_FOUND, `unknown data table '${table}'`, { status: 404 });
  }
}

export function notFound(what: string, id: number): AppError {
  return new AppError(ErrorCodes.SOAR_NOT_FOUND, `${what} ${id} not found`, { status: 404 });
}

/** Computer and risk names are searched case-insensitively: stored folded beside the incident. */
export function foldSearch(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}

/** An artifact row as both stores keep it. */
export interface ArtifactRow {
  id: number;
  type: string;
  value: string;
  description: string | null;
}

/** A note row as both stores keep it (created_at: epoch ms). */
export interface NoteRow {
  id: number;
  text: string;
  created_at: number;
}

export function toArtifact(row: ArtifactRow): StoredArtifact {
  const a: StoredArtifact = { id: row.id, type: row.type as ArtifactType, value: row.value };
  if (row.description !== null) a.description = row.description;
  return a;
}

export function toNote(row: NoteRow): Note {
  return { id: row.id, text: row.text, createdAt: row.created_at };
}

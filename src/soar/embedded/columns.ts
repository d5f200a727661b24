import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { CellValue } from '../port.ts';
import { SEP_TABLE_COLUMNS, type ColumnKind } from '../sep-tables.ts';

/**
 * The embedded store checks cells against the SEP table columns (sep-tables.ts) as IBM SOAR does (unknown column or
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

/**
 * CSV conventions of the Get Command Status attachments (docs/reference/sep-functions.md §5 Command status
 * processing, "CSV attachments"). Fields are quoted by csv-stringify (paths contain commas and quotes); the rows
 * themselves come from the StatusAccumulator (status-accumulator.ts).
 */

/**
 * Options for every CSV attachment. Cells come from endpoints (file paths, computer names) and are opened by
 * analysts in spreadsheets, so a cell starting with `= + - @`, tab or CR (or their full-width forms) is prefixed
 * with `'` and shown as text instead of run as a formula (CSV injection).
 */
export const CSV_OPTIONS = { escape_formulas: true } as const;

/** `%Y%m%d%H%M%S` in UTC. */
export function csvTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

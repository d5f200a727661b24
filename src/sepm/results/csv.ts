import { stringify } from 'csv-stringify/sync';
import type { CsvAttachment, ProcessedCommandEntry } from '../functions/types.ts';

/**
 * Pure builders of the two CSV attachments of Get Command Status (docs/reference/sep-functions.md §5 Command status processing, "CSV attachments"). Fields are quoted by
 * csv-stringify (paths contain commas and quotes). The caller attaches `{ name, content }` to the incident.
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

function toCsv(title: string, header: string[], rows: string[][]): string {
  return stringify([[title]], CSV_OPTIONS) + stringify([header, ...rows], CSV_OPTIONS);
}

/**
 * Scan CSV: one row per FULL/PARTIAL match (file path, found hash) when the artifact is a file, otherwise one row
 * per HASH match (file path, the IOC hash). Entries without a scan result (not completed) are skipped.
 */
export function buildScanCsv(
  commandId: string,
  entries: readonly ProcessedCommandEntry[],
  scanArtifactValue: string,
  at: Date,
): CsvAttachment {
  const rows: string[][] = [];
  for (const e of entries) {
    const r = e.scan_result;
    if (!r || !r.MATCH) continue;
    const name = e.computerName ?? '';
    const id = e.computerId ?? '';
    if (r.artifact_type.includes('File')) {
      for (const m of [...r.FULL_MATCHES, ...r.PARTIAL_MATCHES]) {
        rows.push([name, id, r.artifact_type, r.artifact_value, m.value ?? '', m.hashValue ?? '']);
      }
    } else {
      for (const m of r.HASH_MATCHES)
        rows.push([name, id, r.artifact_type, r.artifact_value, m.value ?? '', r.artifact_value]);
    }
  }
  return {
    name: `EOC_scan_results_for_commandid_${commandId}_${csvTimestamp(at)}.csv`,
    content: toCsv(
      `Eoc scan results of artifact '${scanArtifactValue}' for commandid '${commandId}'.`,
      ['Computer name', 'Computer id', 'Artifact type', 'Artifact value', 'File path', 'Hash value'],
      rows,
    ),
  };
}

/** Remediation CSV: one row per remediated HASH match (computer, hash type, hash, file path). */
export function buildRemediationCsv(
  commandId: string,
  entries: readonly ProcessedCommandEntry[],
  remediateArtifactValue: string,
  at: Date,
): CsvAttachment {
  const rows: string[][] = [];
  let hash = '';
  for (const e of entries) {
    const r = e.scan_result;
    if (!r || r.remediation_count === 0) continue;
    if (hash === '') hash = r.artifact_value;
    for (const m of r.HASH_MATCHES) rows.push([e.computerName ?? '', r.artifact_type, r.artifact_value, m.value ?? '']);
  }
  return {
    name: `Remediation_results_for_commandid_${commandId}_${csvTimestamp(at)}.csv`,
    content: toCsv(
      `Result for remediation of hash ${hash} and path '${remediateArtifactValue}' for commandid '${commandId}'.`,
      ['Computer name', 'Hash type', 'Hash value', 'File Path'],
      rows,
    ),
  };
}

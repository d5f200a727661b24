import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { SepTables, type CellValue } from '../port.ts';

/**
 * Column API names and input types of the seven SEP data tables (docs/reference/sep-functions.md §6 Data tables, fn_sep 1.2.0). The embedded
 * store checks cells against them as IBM SOAR does (unknown column or wrong type → 400), so code that writes rows
 * works the same on both adapters.
 */
export type ColumnKind = 'text' | 'textarea' | 'number' | 'datetime' | 'boolean';

const text = (names: string): Record<string, ColumnKind> =>
  Object.fromEntries(names.split(/\s+/).map((n) => [n, 'text' as const]));

export const SEP_TABLE_COLUMNS: Readonly<Record<string, Readonly<Record<string, ColumnKind>>>> = {
  [SepTables.endpointDetails]: {
    ...text(
      `computerName sep_description hardwareKey infected ipAddresses operatingSystem query_execution_date uniqueId
       domain_id domain_name group_id group_name quarantine_commandid`,
    ),
    endpoint_quarantine_status: 'textarea',
    quarantine_command_state: 'textarea',
  },
  [SepTables.statusSummary]: {
    disabled: 'number',
    hi_failed: 'number',
    non_compliant: 'number',
    offline: 'number',
    out_of_date: 'number',
    total: 'number',
    up_to_date: 'number',
    query_execution_date: 'text',
  },
  [SepTables.nonCompliantDetails]: text(
    `apOnOff avEngineOnOff cidsBrowserFfOnOff cidsBrowserIeOnOff cidsDrvOnOff daOnOff elamOnOff firewallOnOff
     pepOnOff ptpOnOff tamperOnOff computer_name host_integrity_check readableLastScanTime readableLastUpdateTime
     onlineStatus query_execution_date`,
  ),
  [SepTables.eocScanResults]: {
    ...text(
      `artifact_id artifact_type artifact_value computer_name computer_id file_path hash_value file_id
       upload_commandid scan_commandid scan_type remediation_commandid query_execution_date`,
    ),
    file_upload_status: 'textarea',
    scan_command_state: 'textarea',
    scan_result: 'textarea',
    remediation_status: 'textarea',
  },
  [SepTables.fingerprintLists]: text(
    'group_ids list_description hash_values list_name query_execution_date domain_name list_id',
  ),
  [SepTables.groups]: {
    ...text('group_description fullPathName query_execution_date domain_id domain_name group_id group_name'),
    numberOfPhysicalComputers: 'number',
    policyInheritanceEnabled: 'boolean',
  },
  [SepTables.criticalEvents]: {
    acknowledged: 'boolean',
    date_added: 'datetime',
    event_date: 'text',
    event_id: 'text',
    message: 'text',
    subject: 'text',
  },
};

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

/**
 * The seven SEP data tables of fn_sep 1.2.0 (docs/reference/sep-functions.md §6 Data tables): their API names and
 * the API name and input type of every column. Pure data, imported by the enrich playbooks (which write the rows),
 * the embedded store (which checks cells against it as IBM SOAR does) and the SOAR simulator (which defines the same
 * table types), so the three cannot drift. It imports nothing: sim/ may take it.
 */

/** The API names of the seven tables. */
export const SepTables = {
  endpointDetails: 'sep_endpoint_details',
  statusSummary: 'sep_endpoint_status_summary',
  nonCompliantDetails: 'sep_endpoints_non_compliant_details',
  eocScanResults: 'sep_eoc_scan_results',
  fingerprintLists: 'sep_fingerprint_lists',
  groups: 'sep_groups',
  criticalEvents: 'sep_critical_events',
} as const;
export type SepTable = (typeof SepTables)[keyof typeof SepTables];

/** Input type of a data-table column in SOAR. */
export type ColumnKind = 'text' | 'textarea' | 'number' | 'datetime' | 'boolean';

const text = (names: string): Record<string, ColumnKind> =>
  Object.fromEntries(names.split(/\s+/).map((n) => [n, 'text' as const]));

/** Table API name → column API name → input type. */
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

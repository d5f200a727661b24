import type { CellValue } from '../../soar/port.ts';
import { ENGINE_FIELDS } from '../../sepm/functions/types.ts';
import { executionDate } from './command-rows.ts';

/**
 * Pure mappings from SEPM records to the cells of the fn_sep data tables (docs/reference/sep-functions.md §6 Data tables, exact column API
 * names). Records are read defensively: 14.2 and 14.3 differ in keys and types.
 */

type Rec = Record<string, unknown>;
type Cells = Record<string, CellValue>;

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v).trim();
}

function obj(v: unknown): Rec {
  return v !== null && typeof v === 'object' ? (v as Rec) : {};
}

export function isWindows(computer: Rec): boolean {
  return /windows/i.test(str(computer.osName ?? computer.osname ?? computer.operatingSystem));
}

/**
 * Quarantine state of an endpoint (Windows only), from the free-text quarantineDesc as the original playbooks did
 * ("host integrity check passed" = not quarantined, "quarantined" = quarantined). 14.3's numeric quarantineStatus
 * is only trusted for the value 1 (network quarantine applied), the one value observed with a quarantine command.
 */
export function endpointQuarantineStatus(computer: Rec): string {
  if (!isWindows(computer)) return '';
  const desc = str(computer.quarantineDesc).toLowerCase();
  if (desc.includes('host integrity check passed')) return 'Un-Quarantined';
  if (desc.includes('quarantined') || Number(computer.quarantineStatus) === 1) return 'Quarantined';
  return 'Un-Quarantined';
}

export function endpointDetailsRow(computer: Rec, description: string, now: Date): Cells {
  const group = obj(computer.group);
  const domain = obj(group.domain ?? computer.domain);
  const ips = Array.isArray(computer.ipAddresses) ? computer.ipAddresses.map(str).filter(Boolean) : [];
  return {
    computerName: str(computer.computerName),
    sep_description: description,
    endpoint_quarantine_status: endpointQuarantineStatus(computer),
    hardwareKey: str(computer.hardwareKey),
    infected: Number(computer.infected) === 1 ? 'Yes' : 'No',
    ipAddresses: [...new Set(ips)].join(', '),
    operatingSystem: str(computer.operatingSystem),
    quarantine_command_state: '',
    query_execution_date: executionDate(now),
    uniqueId: str(computer.uniqueId),
    domain_id: str(domain.id),
    domain_name: str(domain.name),
    group_id: str(group.id),
    group_name: str(group.name ?? group.fullPathName),
    quarantine_commandid: '',
  };
}

export function groupRow(group: Rec, now: Date): Cells {
  const domain = obj(group.domain);
  return {
    group_description: str(group.description),
    fullPathName: str(group.fullPathName),
    numberOfPhysicalComputers: Number(group.numberOfPhysicalComputers ?? 0),
    policyInheritanceEnabled: group.policyInheritanceEnabled === true,
    query_execution_date: executionDate(now),
    domain_id: str(domain.id),
    domain_name: str(domain.name),
    group_id: str(group.id),
    group_name: str(group.name),
  };
}

/** Hash strings of a v1 (`["ABC…"]`) or v2 (`[{MD5, SHA256}]`) fingerprint list, upper-case. */
export function fingerprintHashes(list: Rec): string[] {
  const data = Array.isArray(list.data) ? list.data : [];
  const out: string[] = [];
  for (const item of data) {
    if (typeof item === 'string') out.push(item.trim().toUpperCase());
    else for (const v of Object.values(obj(item))) if (typeof v === 'string' && v) out.push(v.trim().toUpperCase());
  }
  return [...new Set(out)];
}

export function fingerprintRow(list: Rec, domainName: string, now: Date): Cells {
  const groups = Array.isArray(list.groupIds) ? list.groupIds.map(str) : [];
  return {
    group_ids: groups.join(', '),
    list_description: str(list.description),
    hash_values: fingerprintHashes(list).join(', '),
    list_name: str(list.name),
    query_execution_date: executionDate(now),
    domain_name: domainName,
    list_id: str(list.id),
  };
}

const SUMMARY_KEYS = ['disabled', 'hi_failed', 'non_compliant', 'offline', 'out_of_date', 'total', 'up_to_date'];

export function statusSummaryRow(summary: Rec, now: Date): Cells {
  const cells: Cells = {};
  for (const k of SUMMARY_KEYS) cells[k] = Number(summary[k] ?? 0);
  cells.query_execution_date = executionDate(now);
  return cells;
}

const NON_COMPLIANT_KEYS = [
  ...ENGINE_FIELDS,
  'computer_name',
  'host_integrity_check',
  'readableLastScanTime',
  'readableLastUpdateTime',
  'onlineStatus',
];

export function nonCompliantRow(ep: Rec, now: Date): Cells {
  const cells: Cells = {};
  for (const k of NON_COMPLIANT_KEYS) cells[k] = str(ep[k]);
  cells.query_execution_date = executionDate(now);
  return cells;
}

export function criticalEventRow(ev: Rec): Cells {
  const raw = str(ev.eventDateTime);
  // SEPM writes "2024-06-26 14:02:50.0" (GMT, per the reference); the datetime column takes epoch ms.
  const parsed = Date.parse(`${raw.replace(' ', 'T').replace(/\.\d+$/, '')}Z`);
  return {
    acknowledged: Number(ev.acknowledged) === 1 || ev.acknowledged === true,
    date_added: Number.isNaN(parsed) ? null : parsed,
    event_date: raw,
    event_id: str(ev.eventId),
    message: str(ev.message),
    subject: str(ev.subject),
  };
}

import { SEP_TABLE_COLUMNS, SepTables } from '../../src/soar/sep-tables.ts';
/**
 * In-memory data of the SOAR simulator, shaped like the IBM QRadar SOAR REST DTOs it serves. Tests read it
 * directly (sim.state) to assert real outcomes on the "server" side.
 */

export interface SimOrg {
  id: number;
  name: string;
  uuid: string;
  cloud_account: string | null;
  enabled: boolean;
}

export interface RichText {
  format: 'text' | 'html';
  content: string;
}

export interface SimIncident {
  id: number;
  org_id: number;
  name: string;
  description: RichText | null;
  discovered_date: number;
  start_date: number | null;
  create_date: number;
  inc_last_modified_date: number;
  plan_status: 'A' | 'C';
  severity_code: number | null;
  incident_type_ids: number[];
  phase_id: number;
  resolution_id: number | null;
  resolution_summary: string | null;
  properties: Record<string, unknown>;
  vers: number;
  sequence_code: string;
}

export interface SimArtifact {
  id: number;
  inc_id: number;
  type: number;
  value: string;
  description: string | null;
  created: number;
}

export interface SimComment {
  id: number;
  inc_id: number;
  text: RichText;
  create_date: number;
}

export interface SimRow {
  id: number;
  inc_id: number;
  table: string;
  cells: Record<string, unknown>;
  version: number;
}

export interface SimAttachment {
  id: number;
  uuid: string;
  inc_id: number;
  name: string;
  content_type: string;
  size: number;
  created: number;
  data: Buffer;
}

export interface SimRequestLog {
  method: string;
  path: string;
  status: number;
}

export interface SimState {
  incidents: Map<number, SimIncident>;
  artifacts: Map<number, SimArtifact>;
  comments: Map<number, SimComment>;
  rows: Map<number, SimRow>;
  attachments: Map<number, SimAttachment>;
  stats: { requests: number; log: SimRequestLog[] };
}

export function createState(): SimState {
  return {
    incidents: new Map(),
    artifacts: new Map(),
    comments: new Map(),
    rows: new Map(),
    attachments: new Map(),
    stats: { requests: 0, log: [] },
  };
}

/** Stock handle values of a fresh org (ids as on a stock install; real ids vary per install). */
export const Stock = {
  severities: [
    { id: 4, name: 'Low' },
    { id: 5, name: 'Medium' },
    { id: 6, name: 'High' },
  ],
  incidentTypes: [
    { id: 16, name: 'TBD / Unknown' },
    { id: 18, name: 'Other' },
    { id: 19, name: 'Malware' },
    { id: 20, name: 'System Intrusion' },
    { id: 21, name: 'Denial of Service' },
    { id: 22, name: 'Phishing' },
    { id: 23, name: 'Not an Issue' },
  ],
  resolutions: [
    { id: 7, name: 'Unresolved' },
    { id: 8, name: 'Duplicate' },
    { id: 9, name: 'Not an Issue' },
    { id: 10, name: 'Resolved' },
  ],
  phases: [
    { id: 1000, name: 'Engage' },
    { id: 1003, name: 'Detect/Analyze' },
    { id: 1004, name: 'Initial' },
    { id: 1005, name: 'Complete' },
    { id: 1006, name: 'Respond' },
  ],
  /** Stock artifact type ids of a fresh org (docs/reference/ibm-soar-rest-api.md §4 Artifacts: resolved by name). */
  artifactTypes: [
    [1, 'IP Address'],
    [2, 'DNS Name'],
    [3, 'URL'],
    [4, 'RFC 822 Email Message File'],
    [5, 'Email Subject'],
    [6, 'Email Body'],
    [7, 'Email Attachment'],
    [8, 'Email Attachment Name'],
    [9, 'Email Sender'],
    [12, 'Malware Sample'],
    [13, 'Malware MD5 Hash'],
    [14, 'Malware SHA-1 Hash'],
    [15, 'Log File'],
    [16, 'Other File'],
    [19, 'Email Sender Name'],
    [20, 'Email Recipient'],
    [22, 'Malware Sample Fuzzy Hash'],
    [23, 'User Account'],
    [24, 'Registry Key'],
    [25, 'System Name'],
    [26, 'Process Name'],
    [27, 'Port'],
    [28, 'Service'],
    [29, 'String'],
    [30, 'Mutex'],
    [31, 'File Name'],
    [32, 'Password'],
    [34, 'HTTP Request Header'],
    [35, 'HTTP Response Header'],
    [36, 'X509 Certificate File'],
    [37, 'File Path'],
    [38, 'Malware SHA-256 Hash'],
    [39, 'MAC Address'],
    [40, 'URL Referer'],
    [41, 'User Agent'],
    [42, 'URI Path'],
    [43, 'Threat CVE ID'],
    [44, 'Network CIDR Range'],
    [45, 'Malware Family/Variant'],
    [46, 'Observed Data'],
    [47, 'Network Traffic'],
    [48, 'Malware SHA-512 Hash'],
  ] as [number, string][],
} as const;

/**
 * The seven SEP data-table types as a SOAR org defines them: the column names and kinds are the product's own
 * (src/soar/sep-tables.ts, from docs/reference/sep-functions.md §6), so the simulator and the embedded store cannot
 * drift.
 */
const TABLE_DISPLAY: Record<string, string> = {
  [SepTables.endpointDetails]: 'Symantec SEP - Endpoint details',
  [SepTables.statusSummary]: 'Symantec SEP - Endpoint status summary',
  [SepTables.nonCompliantDetails]: 'Symantec SEP - Non-compliant endpoints',
  [SepTables.eocScanResults]: 'Symantec SEP - EOC scan results',
  [SepTables.fingerprintLists]: 'Symantec SEP - Fingerprint lists',
  [SepTables.groups]: 'Symantec SEP - Groups',
  [SepTables.criticalEvents]: 'Symantec SEP - Critical events',
};
export const SepTableDefs: Record<string, { typeId: number; display: string; columns: Record<string, string> }> =
  Object.fromEntries(
    Object.entries(SEP_TABLE_COLUMNS).map(([name, columns], i) => [
      name,
      { typeId: 1001 + i, display: TABLE_DISPLAY[name] ?? name, columns: { ...columns } },
    ]),
  );

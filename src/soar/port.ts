import type { Artifact } from '../mail/types.ts';

/**
 * The SOAR port: the only way the rest of the service talks to an incident system. Two adapters implement it:
 * the IBM QRadar SOAR REST adapter and the embedded SQLite store. Both must pass the same contract tests.
 */

export type IncidentState = 'open' | 'closed';
export type Severity = 'Low' | 'Medium' | 'High';

export interface NewIncident {
  /** Dedup key (computer + risk + path/hash); stored on the incident. */
  dedupKey: string;
  name: string;
  /** Plain text or HTML description (HTML-escaped by the mapper). */
  description: string;
  descriptionFormat: 'text' | 'html';
  /** Epoch ms. */
  discoveredDate: number;
  severity: Severity;
  /** Why it has that severity (the deciding soar.severity rules), shown in notes; not stored as a field. */
  severityReason?: string;
  /** e.g. ["Malware"] or ["System Intrusion"]. */
  incidentTypes: string[];
  /** SEPM server, domain, group, notification type … (custom properties). */
  properties: Record<string, string | number | boolean | null>;
  artifacts: Artifact[];
}

export interface Incident {
  id: number;
  dedupKey: string | null;
  name: string;
  description: string;
  state: IncidentState;
  severity: Severity;
  incidentTypes: string[];
  discoveredDate: number;
  createdAt: number;
  updatedAt: number;
  /** How many alerts were merged into it (1 = just the original). */
  occurrences: number;
  properties: Record<string, string | number | boolean | null>;
  resolution?: string | null;
  resolutionSummary?: string | null;
}

export interface StoredArtifact extends Artifact {
  id: number;
}

export interface Note {
  id: number;
  text: string;
  createdAt: number;
}

export type CellValue = string | number | boolean | null;

export interface TableRow {
  id: number;
  cells: Record<string, CellValue>;
}

export interface AttachmentInfo {
  id: number;
  name: string;
  contentType: string;
  size: number;
  createdAt: number;
}

export interface FindOrCreateOptions {
  /** Messages already applied (Message-ID) — a second delivery of the same mail changes nothing. */
  sourceMessageId?: string;
  /** Merge into an open incident with this key updated within the window (ms). */
  mergeWindowMs: number;
  /** Now, epoch ms (injected for tests). */
  now?: number;
}

export interface FindOrCreateResult {
  incident: Incident;
  outcome: 'created' | 'merged' | 'duplicate';
  /** Artifacts actually added (those not already on the incident). */
  addedArtifacts: StoredArtifact[];
}

export interface SoarClient {
  readonly kind: 'embedded' | 'ibm';
  /** Create, merge (new artifacts + note + occurrence counter) or no-op for a repeated Message-ID. */
  findOrCreateIncident(input: NewIncident, options: FindOrCreateOptions): Promise<FindOrCreateResult>;
  getIncident(id: number): Promise<Incident>;
  listIncidents(query?: { state?: IncidentState; limit?: number; offset?: number }): Promise<Incident[]>;
  closeIncident(id: number, resolution: string, summary: string): Promise<Incident>;
  /** Adds artifacts not already present (type + value, case-insensitive value); returns the added ones. */
  addArtifacts(incidentId: number, artifacts: Artifact[]): Promise<StoredArtifact[]>;
  listArtifacts(incidentId: number): Promise<StoredArtifact[]>;
  addNote(incidentId: number, text: string): Promise<Note>;
  listNotes(incidentId: number): Promise<Note[]>;
  addTableRow(incidentId: number, table: string, cells: Record<string, CellValue>): Promise<TableRow>;
  /** Merges the given cells into the row (other columns kept). */
  updateTableRow(incidentId: number, table: string, rowId: number, cells: Record<string, CellValue>): Promise<TableRow>;
  listTableRows(incidentId: number, table: string): Promise<TableRow[]>;
  deleteTableRow(incidentId: number, table: string, rowId: number): Promise<void>;
  addAttachment(incidentId: number, name: string, contentType: string, data: Buffer): Promise<AttachmentInfo>;
  listAttachments(incidentId: number): Promise<AttachmentInfo[]>;
  getAttachment(incidentId: number, attachmentId: number): Promise<{ info: AttachmentInfo; data: Buffer }>;
  /** Cheap reachability probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The seven SEP data tables (API names), from the fn_sep 1.2.0 reference. */
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

import type { Artifact } from '../mail/types.ts';

/** The artifact vocabulary of incidents, for callers that see incidents only through this port (http/). */
export type { Artifact, ArtifactType } from '../mail/types.ts';

/**
 * The SOAR port: the only way the rest of the service talks to an incident system. Three adapters implement it:
 * the IBM QRadar SOAR REST adapter, the embedded SQLite store and the PostgreSQL store. All pass the same contract
 * tests.
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
  readonly kind: 'embedded' | 'ibm' | 'postgres';
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

/** A search of the review UI's incident list. */
export interface IncidentSearch {
  state?: IncidentState;
  severity?: Severity;
  /** Substring of the computer name (case-insensitive). */
  computer?: string;
  /** Substring of the risk name (case-insensitive). */
  risk?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface IncidentSearchResult {
  /** Every match, for paging; `incidents` is one page of them. */
  total: number;
  incidents: Incident[];
}

/** A mail applied to an incident: its Message-ID, what it did (created / merged) and when (epoch ms). */
export interface AppliedMessage {
  messageId: string;
  outcome: string;
  appliedAt: number;
}

/** Everything the review UI shows of one incident. */
export interface IncidentDetail {
  incident: Incident;
  artifacts: StoredArtifact[];
  notes: Note[];
  /** Data tables that have rows on this incident, by API table name. */
  tables: Record<string, TableRow[]>;
  attachments: AttachmentInfo[];
  messages: AppliedMessage[];
}

/**
 * The review UI's side of an incident store: the searchable list and the whole incident on one page. Only the
 * embedded store implements it (IBM SOAR has its own UI); http/ sees it through this port, never the SQLite adapter.
 */
export interface ReviewStore extends Pick<SoarClient, 'getAttachment' | 'closeIncident'> {
  /** Newest first, filtered; `total` counts all matches (for paging). */
  searchIncidents(query?: IncidentSearch): Promise<IncidentSearchResult>;
  /** Incident with artifacts, notes, every data table that has rows, attachments and applied Message-IDs. */
  getIncidentDetail(id: number): Promise<IncidentDetail>;
}

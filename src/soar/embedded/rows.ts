import type { ArtifactType } from '../../mail/types.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { SepTables } from '../sep-tables.ts';
import {
  type AttachmentInfo,
  type CellValue,
  type Incident,
  type Note,
  type Severity,
  type StoredArtifact,
  type TableRow,
} from '../port.ts';

/** Row shapes of the embedded store's tables and their mapping to the port's plain objects (pure). */

export interface IncidentRow {
  id: number;
  dedup_key: string | null;
  name: string;
  description: string;
  description_format: string;
  state: 'open' | 'closed';
  severity: Severity;
  incident_types: string;
  discovered_date: number;
  created_at: number;
  updated_at: number;
  last_seen: number;
  occurrences: number;
  properties: string;
  resolution: string | null;
  resolution_summary: string | null;
}

export interface ArtifactRow {
  id: number;
  type: string;
  value: string;
  description: string | null;
}

export interface NoteRow {
  id: number;
  text: string;
  created_at: number;
}

export interface TableRowRow {
  id: number;
  table_name: string;
  cells: string;
}

export interface AttachmentRow {
  id: number;
  name: string;
  content_type: string;
  size: number;
  created_at: number;
}

export function toIncident(row: IncidentRow): Incident & { lastSeen: number } {
  return {
    id: row.id,
    dedupKey: row.dedup_key,
    name: row.name,
    description: row.description,
    state: row.state,
    severity: row.severity,
    incidentTypes: JSON.parse(row.incident_types) as string[],
    discoveredDate: row.discovered_date,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeen: row.last_seen,
    occurrences: row.occurrences,
    properties: JSON.parse(row.properties) as Incident['properties'],
    resolution: row.resolution,
    resolutionSummary: row.resolution_summary,
  };
}

export function toArtifact(row: ArtifactRow): StoredArtifact {
  const a: StoredArtifact = { id: row.id, type: row.type as ArtifactType, value: row.value };
  if (row.description !== null) a.description = row.description;
  return a;
}

export function toNote(row: NoteRow): Note {
  return { id: row.id, text: row.text, createdAt: row.created_at };
}

export function toTableRow(row: TableRowRow): TableRow {
  return { id: row.id, cells: JSON.parse(row.cells) as Record<string, CellValue> };
}

export function toAttachmentInfo(row: AttachmentRow): AttachmentInfo {
  return { id: row.id, name: row.name, contentType: row.content_type, size: row.size, createdAt: row.created_at };
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

import type { AttachmentInfo, CellValue, Incident, IncidentState, Severity, TableRow } from '../port.ts';

/** Row shapes of the PostgreSQL store (jsonb arrives parsed, int8 as a number) and their port objects (pure). */

export interface PgIncidentRow {
  id: number;
  dedup_key: string | null;
  name: string;
  description: string;
  state: IncidentState;
  severity: Severity;
  incident_types: string[];
  discovered_date: number;
  created_at: number;
  updated_at: number;
  last_seen: number;
  occurrences: number;
  properties: Incident['properties'];
  resolution: string | null;
  resolution_summary: string | null;
}

export interface PgTableRow {
  id: number;
  table_name: string;
  cells: Record<string, CellValue>;
}

export interface PgAttachmentRow {
  id: number;
  name: string;
  content_type: string;
  size: number;
  created_at: number;
}

export const INCIDENT_COLUMNS = `id, dedup_key, name, description, state, severity, incident_types, discovered_date,
  created_at, updated_at, last_seen, occurrences, properties, resolution, resolution_summary`;

export function toIncident(row: PgIncidentRow): Incident & { lastSeen: number } {
  return {
    id: row.id,
    dedupKey: row.dedup_key,
    name: row.name,
    description: row.description,
    state: row.state,
    severity: row.severity,
    incidentTypes: row.incident_types,
    discoveredDate: row.discovered_date,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeen: row.last_seen,
    occurrences: row.occurrences,
    properties: row.properties,
    resolution: row.resolution,
    resolutionSummary: row.resolution_summary,
  };
}

export function toTableRow(row: PgTableRow): TableRow {
  return { id: row.id, cells: row.cells };
}

export function toAttachmentInfo(row: PgAttachmentRow): AttachmentInfo {
  return { id: row.id, name: row.name, contentType: row.content_type, size: row.size, createdAt: row.created_at };
}

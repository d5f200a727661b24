import { type AttachmentInfo, type CellValue, type Incident, type Severity, type TableRow } from '../port.ts';

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

export function toTableRow(row: TableRowRow): TableRow {
  return { id: row.id, cells: JSON.parse(row.cells) as Record<string, CellValue> };
}

export function toAttachmentInfo(row: AttachmentRow): AttachmentInfo {
  return { id: row.id, name: row.name, contentType: row.content_type, size: row.size, createdAt: row.created_at };
}

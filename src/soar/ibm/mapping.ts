import type { Artifact, ArtifactType } from '../../mail/types.ts';
import type {
  AttachmentInfo,
  CellValue,
  Incident,
  NewIncident,
  Note,
  Severity,
  StoredArtifact,
  TableRow,
} from '../port.ts';

/**
 * Pure mapping between IBM QRadar SOAR REST DTOs and the port's plain objects. Occurrence counter, last-seen time
 * and applied Message-IDs live in incident custom fields so merge/duplicate semantics survive restarts and work
 * across worker processes.
 */

export const IbmProps = {
  occurrences: 'sepm_occurrences',
  lastSeen: 'sepm_last_seen',
  messageIds: 'sepm_message_ids',
} as const;

/** Most recent Message-IDs kept on an incident (a text field has a size limit; older ones cannot recur soon). */
export const MAX_MESSAGE_IDS = 50;

export type Dto = Record<string, unknown>;

/** id → display name per handle field (from /types/incident/fields), for servers answering ids. */
export interface HandleNames {
  severity_code: Map<number, string>;
  incident_type_ids: Map<number, string>;
  resolution_id: Map<number, string>;
}

const SEVERITY_BY_STOCK_ID: Record<number, Severity> = {
  4: 'Low',
  5: 'Medium',
  6: 'High',
  50: 'Low',
  51: 'Medium',
  52: 'High',
};

export function handleName(v: unknown, ids?: Map<number, string>): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return ids?.get(v) ?? String(v);
  if (typeof v === 'object') {
    const o = v as Dto;
    if (typeof o.name === 'string') return o.name;
    if (typeof o.id === 'number') return handleName(o.id, ids);
  }
  return null;
}

function severity(v: unknown, names: HandleNames): Severity {
  const n = typeof v === 'number' ? (names.severity_code.get(v) ?? SEVERITY_BY_STOCK_ID[v]) : handleName(v);
  return n === 'High' || n === 'Medium' || n === 'Low' ? n : 'Low';
}

/** Rich text answers come as a string or as {format, content}. */
export function richText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as Dto).content === 'string')
    return (v as Dto).content as string;
  return '';
}

function num(v: unknown, fallback: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
}

function prim(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

export function props(dto: Dto): Dto {
  const p = dto.properties;
  return typeof p === 'object' && p !== null ? (p as Dto) : {};
}

export function messageIds(dto: Dto): string[] {
  const raw = props(dto)[IbmProps.messageIds];
  return typeof raw === 'string' ? raw.split('\n').filter((s) => s !== '') : [];
}

export function withMessageId(existing: string[], id: string | undefined): string {
  const list = id === undefined || existing.includes(id) ? existing : [...existing, id];
  return list.slice(-MAX_MESSAGE_IDS).join('\n');
}

export function occurrences(dto: Dto): number {
  return num(props(dto)[IbmProps.occurrences], 1);
}

/** When an alert last landed on the incident (epoch ms). */
export function lastSeen(dto: Dto): number {
  return num(props(dto)[IbmProps.lastSeen], num(dto.inc_last_modified_date, num(dto.create_date, 0)));
}

export function toIncident(dto: Dto, dedupField: string, names: HandleNames): Incident {
  const all = props(dto);
  const internal = new Set<string>([dedupField, ...Object.values(IbmProps)]);
  const properties = Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => !internal.has(k))
      .map(([k, v]) => [k, prim(v)]),
  );
  const types = Array.isArray(dto.incident_type_ids) ? dto.incident_type_ids : [];
  const key = all[dedupField];
  return {
    id: num(dto.id, 0),
    dedupKey: typeof key === 'string' && key !== '' ? key : null,
    name: String(dto.name ?? ''),
    description: richText(dto.description),
    state: dto.plan_status === 'C' ? 'closed' : 'open',
    severity: severity(dto.severity_code, names),
    incidentTypes: types.map((t) => handleName(t, names.incident_type_ids) ?? '').filter((t) => t !== ''),
    discoveredDate: num(dto.discovered_date, 0),
    createdAt: num(dto.create_date, 0),
    updatedAt: num(dto.inc_last_modified_date, num(dto.create_date, 0)),
    occurrences: occurrences(dto),
    properties,
    resolution: handleName(dto.resolution_id, names.resolution_id),
    resolutionSummary: dto.resolution_summary === undefined ? null : richText(dto.resolution_summary) || null,
  };
}

/** POST /incidents body: handles by name, custom fields for key/counter/last-seen/Message-IDs, artifacts embedded. */
export function newIncidentBody(
  input: NewIncident,
  dedupField: string,
  now: number,
  messageId: string | undefined,
  artifacts: Dto[],
): Dto {
  return {
    name: input.name,
    description: { format: input.descriptionFormat, content: input.description },
    discovered_date: input.discoveredDate,
    plan_status: 'A',
    severity_code: input.severity,
    incident_type_ids: input.incidentTypes,
    properties: {
      ...input.properties,
      [dedupField]: input.dedupKey,
      [IbmProps.occurrences]: 1,
      [IbmProps.lastSeen]: now,
      [IbmProps.messageIds]: withMessageId([], messageId),
    },
    artifacts,
  };
}

export function artifactBody(a: Artifact, typeId: number): Dto {
  const body: Dto = { type: typeId, value: a.value };
  if (a.description) body.description = { format: 'text', content: a.description };
  return body;
}

export function toArtifact(dto: Dto, typeNames: Map<number, string>): StoredArtifact {
  const out: StoredArtifact = {
    id: num(dto.id, 0),
    type: (handleName(dto.type, typeNames) ?? '') as ArtifactType,
    value: String(dto.value ?? ''),
  };
  const d = richText(dto.description);
  if (d) out.description = d;
  return out;
}

export function toNote(dto: Dto): Note {
  return { id: num(dto.id, 0), text: richText(dto.text), createdAt: num(dto.create_date, 0) };
}

export function toRow(dto: Dto): TableRow {
  const cells: Record<string, CellValue> = {};
  const raw = typeof dto.cells === 'object' && dto.cells !== null ? (dto.cells as Dto) : {};
  for (const [col, cell] of Object.entries(raw)) {
    const v = typeof cell === 'object' && cell !== null ? (cell as Dto).value : cell;
    cells[col] = prim(v);
  }
  return { id: num(dto.id, 0), cells };
}

export function rowBody(cells: Record<string, CellValue>): Dto {
  return { cells: Object.fromEntries(Object.entries(cells).map(([k, v]) => [k, { value: v }])) };
}

export function toAttachment(dto: Dto): AttachmentInfo {
  return {
    id: num(dto.id, 0),
    name: String(dto.name ?? ''),
    contentType: String(dto.content_type ?? 'application/octet-stream'),
    size: num(dto.size, 0),
    createdAt: num(dto.created, 0),
  };
}

/** Some calls answer a one-element array (artifact create, sometimes attachments). */
export function unwrapOne(v: unknown): Dto {
  const one = Array.isArray(v) ? v[0] : v;
  if (typeof one !== 'object' || one === null) return {};
  return one as Dto;
}

import type { Artifact } from '../../mail/types.ts';
import { ErrorCodes, isAppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { CallOptions } from './http.ts';
import type { Dto, HandleNames } from './mapping.ts';
import {
  handleName,
  lastSeen,
  messageIds,
  newIncidentBody,
  occurrences,
  props,
  toIncident,
  withMessageId,
  IbmProps,
} from './mapping.ts';
import { newArtifacts, occurrenceNote, raisesSeverity } from '../merge-rules.ts';
import type {
  FindOrCreateOptions,
  FindOrCreateResult,
  Incident,
  IncidentState,
  NewIncident,
  Note,
  StoredArtifact,
} from '../port.ts';

/**
 * What the incident operations need of the adapter (IbmSoarClient in soar.ts implements it). Declared here, not
 * imported from soar.ts, so the file dependency runs one way: soar.ts → incidents.ts.
 */
export interface IncidentCalls {
  readonly dedupField: string;
  readonly names: HandleNames;
  readonly logger: Logger;
  call(method: string, path: string, opts: CallOptions): Promise<unknown>;
  createWithLookup<T>(what: string, post: () => Promise<T>, lookup: () => Promise<T | undefined>): Promise<T>;
  artifactBodies(artifacts: Artifact[]): Promise<Dto[]>;
  listArtifacts(incidentId: number): Promise<StoredArtifact[]>;
  addArtifacts(incidentId: number, artifacts: Artifact[]): Promise<StoredArtifact[]>;
  addNote(incidentId: number, text: string): Promise<Note>;
  listNotes(incidentId: number): Promise<Note[]>;
}

const NAMES = { handle_format: 'names' } as const;
/**
 * Tries of the read-apply-PUT round: a 409 (someone else wrote in between) is re-read and re-applied once
 * in-process — a conflict is not a transport failure, and a fresh read resolves it at once (IBM's own client loops
 * forever). A second 409, or any other failure of the PUT, goes to BullMQ, which retries the job.
 */
const MAX_UPDATE_TRIES = 2;
/** Incidents per dedup key we look at (newest first); more than a handful means the window is far too short. */
const LOOKUP_PAGE = 50;

export async function getIncidentDto(c: IncidentCalls, id: number): Promise<Dto> {
  return (await c.call('GET', `/incidents/${id}`, { query: NAMES, idempotent: true })) as Dto;
}

async function queryPaged(c: IncidentCalls, conditions: Dto[], start: number, length: number): Promise<Dto[]> {
  const body = {
    filters: conditions.length > 0 ? [{ conditions }] : [],
    sorts: [{ field_name: 'create_date', type: 'desc' }],
    start,
    length,
  };
  const query = { return_level: 'normal', field_handle: -1 };
  const res = (await c.call('POST', '/incidents/query_paged', {
    body,
    query,
    headers: NAMES,
    idempotent: true,
  })) as Dto;
  return Array.isArray(res?.data) ? (res.data as Dto[]) : [];
}

/** Incidents carrying this dedup key, open or closed, newest first. */
function queryByKey(c: IncidentCalls, key: string): Promise<Dto[]> {
  return queryPaged(c, [{ field_name: `properties.${c.dedupField}`, method: 'equals', value: key }], 0, LOOKUP_PAGE);
}

/**
 * GET, apply, PUT with the read `vers`. A 409 re-reads and re-applies once (MAX_UPDATE_TRIES); `apply` returns false
 * when the change is already there (e.g. a PUT that landed before its answer was lost, seen again on the job's
 * BullMQ retry), which makes the round safe to repeat.
 */
export async function updateIncident(c: IncidentCalls, id: number, apply: (dto: Dto) => boolean): Promise<Dto> {
  for (let attempt = 1; ; attempt++) {
    const dto = await getIncidentDto(c, id);
    const next = structuredClone(dto);
    if (!apply(next)) return dto;
    try {
      const query = { ...NAMES, want_full_data: true };
      const res = (await c.call('PUT', `/incidents/${id}`, { body: next, query, idempotent: false })) as Dto | null;
      return res && typeof res.id === 'number' ? res : getIncidentDto(c, id);
    } catch (err) {
      const conflict = isAppError(err) && err.code === ErrorCodes.SOAR_CONFLICT;
      if (!conflict || attempt >= MAX_UPDATE_TRIES) throw err;
      c.logger.warn({ code: err.code, attempt, incidentId: id }, 'soar incident update conflicted, re-reading');
    }
  }
}

async function createIncident(
  c: IncidentCalls,
  input: NewIncident,
  now: number,
  mid?: string,
): Promise<FindOrCreateResult> {
  const artifacts = await c.artifactBodies(newArtifacts([], input.artifacts));
  const body = newIncidentBody(input, c.dedupField, now, mid, artifacts);
  const post = async () =>
    (await c.call('POST', '/incidents', { body, query: { ...NAMES, want_full_data: true }, idempotent: false })) as Dto;
  // The key alone is not enough (a closed or just-created sibling has it too): match what only our create wrote.
  const lookup = async () =>
    (await queryByKey(c, input.dedupKey)).find((d) =>
      mid !== undefined ? messageIds(d).includes(mid) : lastSeen(d) === now && d.name === input.name,
    );
  const dto = await c.createWithLookup('incident create', post, lookup);
  const id = Number(dto.id);
  return {
    incident: toIncident(dto, c.dedupField, c.names),
    outcome: 'created',
    addedArtifacts: await c.listArtifacts(id),
  };
}

async function mergeIncident(
  c: IncidentCalls,
  open: Dto,
  input: NewIncident,
  now: number,
  mid?: string,
): Promise<FindOrCreateResult> {
  const id = Number(open.id);
  // Artifacts and the note first, the counter + Message-ID last: the Message-ID marks the merge as done.
  const added = await c.addArtifacts(id, input.artifacts);
  // A BullMQ retry of this merge (its PUT conflicted twice) finds its note already written: write it once.
  const noted = mid !== undefined && (await c.listNotes(id)).some((n) => n.text.includes(`Message-ID ${mid};`));
  if (!noted) await c.addNote(id, occurrenceNote(occurrences(open) + 1, input, mid, now));
  const dto = await updateIncident(c, id, (d) => {
    const ids = messageIds(d);
    if (mid !== undefined && ids.includes(mid)) return false;
    const p = props(d);
    const current = handleName(d.severity_code, c.names.severity_code) ?? '';
    if (raisesSeverity(current, input.severity)) d.severity_code = input.severity;
    d.properties = {
      ...p,
      [IbmProps.occurrences]: occurrences(d) + 1,
      [IbmProps.lastSeen]: Math.max(lastSeen(d), now),
      [IbmProps.messageIds]: withMessageId(ids, mid),
    };
    return true;
  });
  return { incident: toIncident(dto, c.dedupField, c.names), outcome: 'merged', addedArtifacts: added };
}

/** duplicate (Message-ID already applied) → merged (open, seen within the window) → created. */
export async function findOrCreateIncident(
  c: IncidentCalls,
  input: NewIncident,
  options: FindOrCreateOptions,
): Promise<FindOrCreateResult> {
  const now = options.now ?? Date.now();
  const mid = options.sourceMessageId;
  const found = await queryByKey(c, input.dedupKey);
  const dup = mid === undefined ? undefined : found.find((d) => messageIds(d).includes(mid));
  if (dup) return { incident: toIncident(dup, c.dedupField, c.names), outcome: 'duplicate', addedArtifacts: [] };
  const open = found.find((d) => d.plan_status !== 'C' && now - lastSeen(d) <= options.mergeWindowMs);
  if (open) return mergeIncident(c, open, input, now, mid);
  return createIncident(c, input, now, mid);
}

export async function listIncidents(
  c: IncidentCalls,
  query: { state?: IncidentState; limit?: number; offset?: number },
): Promise<Incident[]> {
  const conditions = query.state
    ? [{ field_name: 'plan_status', method: 'equals', value: query.state === 'open' ? 'A' : 'C' }]
    : [];
  const rows = await queryPaged(c, conditions, query.offset ?? 0, Math.min(query.limit ?? 100, 1000));
  return rows.map((d) => toIncident(d, c.dedupField, c.names));
}

export async function closeIncident(
  c: IncidentCalls,
  id: number,
  resolution: string,
  summary: string,
): Promise<Incident> {
  const dto = await updateIncident(c, id, (d) => {
    if (d.plan_status === 'C' && d.resolution_id === resolution && d.resolution_summary === summary) return false;
    d.plan_status = 'C';
    d.resolution_id = resolution;
    d.resolution_summary = summary;
    return true;
  });
  return toIncident(dto, c.dedupField, c.names);
}

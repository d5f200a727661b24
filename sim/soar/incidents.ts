import type { HandleFormat, SimContext, SimRequest, SimResponse } from './http-kit.ts';
import {
  asRecord,
  badRequest,
  intParam,
  json,
  notFound,
  ok,
  resolveHandle,
  showHandle,
  SimHttpError,
} from './http-kit.ts';
import { filterAndPage } from './query.ts';
import type { RichText, SimIncident } from './state.ts';
import { Stock } from './state.ts';
import { createArtifact } from './children.ts';

/** The incident as the REST API shows it for the requested handle and text formats. */
export function showIncident(inc: SimIncident, req: SimRequest): Record<string, unknown> {
  const f = req.handleFormat;
  const textFormat = req.query.get('text_content_output_format') ?? 'always_text';
  const desc = inc.description;
  return {
    ...inc,
    description: desc === null ? null : textFormat.startsWith('objects_') ? desc : desc.content,
    severity_code: showHandle(Stock.severities, inc.severity_code, f),
    incident_type_ids: inc.incident_type_ids.map((t) => showHandle(Stock.incidentTypes, t, f)),
    resolution_id: showHandle(Stock.resolutions, inc.resolution_id, f),
    phase_id: showHandle(Stock.phases, inc.phase_id, f),
    properties: { ...inc.properties },
    end_date: inc.plan_status === 'C' ? inc.inc_last_modified_date : null,
    owner_id: null,
    creator_id: 1,
    members: [],
  };
}

function richText(v: unknown, field: string): RichText | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === 'string') return { format: 'html', content: v };
  const o = asRecord(v, field);
  if (typeof o.content !== 'string') throw badRequest(`Invalid value for field '${field}'`);
  return { format: o.format === 'text' ? 'text' : 'html', content: o.content };
}

function epoch(v: unknown, field: string): number | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw badRequest(`Invalid value for field '${field}': expected epoch ms`);
  return v;
}

/** Applies writable fields of a create/PUT body; validation errors are 400 StatusDTOs. */
function applyFields(inc: SimIncident, body: Record<string, unknown>): void {
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name.trim() === '') throw badRequest("The 'name' field is required");
    inc.name = body.name;
  }
  const desc = richText(body.description, 'description');
  if (desc !== undefined) inc.description = desc;
  const disc = epoch(body.discovered_date, 'discovered_date');
  if (disc !== undefined && disc !== null) inc.discovered_date = disc;
  const start = epoch(body.start_date, 'start_date');
  if (start !== undefined) inc.start_date = start;
  const sev = resolveHandle(Stock.severities, body.severity_code, 'severity_code');
  if (sev !== undefined) inc.severity_code = sev;
  if (body.incident_type_ids !== undefined) {
    if (!Array.isArray(body.incident_type_ids)) throw badRequest("Invalid value for field 'incident_type_ids'");
    inc.incident_type_ids = body.incident_type_ids.map(
      (t) => resolveHandle(Stock.incidentTypes, t, 'incident_type_ids') ?? 0,
    );
  }
  const res = resolveHandle(Stock.resolutions, body.resolution_id, 'resolution_id');
  if (res !== undefined) inc.resolution_id = res;
  if (body.resolution_summary !== undefined)
    inc.resolution_summary = richText(body.resolution_summary, 'resolution_summary')?.content ?? null;
  const phase = resolveHandle(Stock.phases, body.phase_id, 'phase_id');
  if (phase !== undefined && phase !== null) inc.phase_id = phase;
  if (body.plan_status !== undefined) {
    if (body.plan_status !== 'A' && body.plan_status !== 'C') throw badRequest("Invalid value for field 'plan_status'");
    inc.plan_status = body.plan_status;
  }
  if (body.properties !== undefined && body.properties !== null) {
    inc.properties = { ...asRecord(body.properties, 'properties') };
  }
  if (inc.start_date !== null && inc.start_date > inc.discovered_date) {
    throw badRequest('The start date must be earlier than or equal to the discovered date');
  }
  if (inc.plan_status === 'C' && (inc.resolution_id === null || !inc.resolution_summary)) {
    throw badRequest('A resolution and a resolution summary are required to close an incident');
  }
}

export function createIncident(ctx: SimContext, req: SimRequest): SimResponse {
  const body = asRecord(json(req), 'incident');
  if (typeof body.name !== 'string' || body.name.trim() === '') throw badRequest("The 'name' field is required");
  if (typeof body.discovered_date !== 'number') throw badRequest("The 'discovered_date' field is required");
  const now = Date.now();
  const id = ctx.nextId();
  const inc: SimIncident = {
    id,
    org_id: ctx.org.id,
    name: '',
    description: null,
    discovered_date: 0,
    start_date: null,
    create_date: now,
    inc_last_modified_date: now,
    plan_status: 'A',
    severity_code: null,
    incident_type_ids: [],
    phase_id: 1004,
    resolution_id: null,
    resolution_summary: null,
    properties: {},
    vers: 1,
    sequence_code: `SIM-${id}`,
  };
  applyFields(inc, body);
  // Embedded artifacts are validated before anything is stored, so a bad one leaves no half-created incident.
  const embedded = Array.isArray(body.artifacts) ? body.artifacts : [];
  ctx.state.incidents.set(id, inc);
  try {
    for (const a of embedded) createArtifact(ctx, inc, asRecord(a, 'artifact'));
  } catch (err) {
    ctx.state.incidents.delete(id);
    throw err;
  }
  return ok(showIncident(inc, req));
}

export function getIncidentOr404(ctx: SimContext, id: number): SimIncident {
  const inc = ctx.state.incidents.get(id);
  if (!inc) throw notFound(id);
  return inc;
}

export function getIncident(ctx: SimContext, req: SimRequest): SimResponse {
  return ok(showIncident(getIncidentOr404(ctx, intParam(req, 'inc')), req));
}

/** PUT: whole object incl. `vers`; a stale `vers` is the optimistic-lock 409. */
export function putIncident(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = getIncidentOr404(ctx, intParam(req, 'inc'));
  const body = asRecord(json(req), 'incident');
  if (body.vers !== undefined && body.vers !== inc.vers) {
    throw new SimHttpError(409, `The incident ${inc.id} was modified by another user (version ${inc.vers}).`);
  }
  const copy: SimIncident = structuredClone(inc);
  applyFields(copy, body);
  Object.assign(inc, copy, { vers: inc.vers + 1, inc_last_modified_date: Date.now() });
  return ok(showIncident(inc, req));
}

const STOCK_FIELDS = new Set([
  'name',
  'description',
  'discovered_date',
  'start_date',
  'severity_code',
  'incident_type_ids',
  'resolution_id',
  'resolution_summary',
  'phase_id',
  'plan_status',
]);

function unwrap(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const values = Object.values(v as Record<string, unknown>);
  return values.length === 1 ? values[0] : v;
}

/** PATCH: `{version, changes:[{field, old_value, new_value}]}`; stale old_value → success:false + field_failures. */
export function patchIncident(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = getIncidentOr404(ctx, intParam(req, 'inc'));
  const body = asRecord(json(req), 'patch');
  if (body.version !== undefined && body.version !== inc.vers) {
    throw new SimHttpError(409, `The incident ${inc.id} was modified by another user (version ${inc.vers}).`);
  }
  const changes = Array.isArray(body.changes) ? body.changes : [];
  const current = showIncident(inc, { ...req, handleFormat: 'names' as HandleFormat });
  const failures: Record<string, unknown>[] = [];
  const update: Record<string, unknown> = { properties: { ...inc.properties } };
  for (const c of changes) {
    const change = asRecord(c, 'change');
    const field = typeof change.field === 'string' ? change.field : String(asRecord(change.field, 'field').name);
    const stock = STOCK_FIELDS.has(field);
    const actual = stock ? current[field] : inc.properties[field];
    if (change.old_value !== undefined) {
      const old = unwrap(change.old_value);
      if (JSON.stringify(old ?? null) !== JSON.stringify(actual ?? null)) {
        failures.push({ field, your_original_value: change.old_value, actual_current_value: actual });
        continue;
      }
    }
    if (stock) update[field] = unwrap(change.new_value);
    else (update.properties as Record<string, unknown>)[field] = unwrap(change.new_value);
  }
  if (failures.length > 0) return ok({ ...statusOk(false), field_failures: failures });
  const copy: SimIncident = structuredClone(inc);
  applyFields(copy, update);
  Object.assign(inc, copy, { vers: inc.vers + 1, inc_last_modified_date: Date.now() });
  return ok({ ...statusOk(true), field_failures: [] });
}

function statusOk(success: boolean): Record<string, unknown> {
  return { success, title: null, message: null, hints: [] };
}

export function queryPaged(ctx: SimContext, req: SimRequest): SimResponse {
  const body = asRecord(json(req), 'query');
  const all = [...ctx.state.incidents.values()].map((i) => showIncident(i, { ...req, handleFormat: 'names' }));
  const { total, filtered, page } = filterAndPage(all, body);
  const ids = new Set(page.map((p) => p.id));
  const data = [...ctx.state.incidents.values()].filter((i) => ids.has(i.id)).map((i) => showIncident(i, req));
  data.sort((a, b) => page.findIndex((p) => p.id === a.id) - page.findIndex((p) => p.id === b.id));
  return ok({ recordsTotal: total, recordsFiltered: filtered, data });
}

export function queryAll(ctx: SimContext, req: SimRequest): SimResponse {
  const res = queryPaged(ctx, req).body as { data: unknown[] };
  return ok(res.data);
}

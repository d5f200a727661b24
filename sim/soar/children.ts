import { randomUUID } from 'node:crypto';
import type { SimContext, SimRequest, SimResponse } from './http-kit.ts';
import { asRecord, badRequest, intParam, json, notFound, ok, SimHttpError } from './http-kit.ts';
import type { SimArtifact, SimAttachment, SimIncident, SimRow } from './state.ts';
import { SepTableDefs } from './state.ts';

const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

function incidentOr404(ctx: SimContext, req: SimRequest): SimIncident {
  const id = intParam(req, 'inc');
  const inc = ctx.state.incidents.get(id);
  if (!inc) throw notFound(id);
  return inc;
}

function artifactType(ctx: SimContext, v: unknown): number {
  let key: unknown = v;
  if (typeof v === 'object' && v !== null)
    key = (v as Record<string, unknown>).id ?? (v as Record<string, unknown>).name;
  const hit = ctx.artifactTypes.find((t) => t.id === key || t.name === key || String(t.id) === key);
  if (!hit) throw badRequest(`Invalid artifact type: ${JSON.stringify(v)}`);
  return hit.id;
}

function showArtifact(ctx: SimContext, a: SimArtifact, req: SimRequest): Record<string, unknown> {
  const name = ctx.artifactTypes.find((t) => t.id === a.type)?.name ?? String(a.type);
  const type = req.handleFormat === 'ids' ? a.type : req.handleFormat === 'names' ? name : { id: a.type, name };
  return { ...a, type, attachment: null, hits: [], relating: true, properties: null, pending_sources: [] };
}

export function createArtifact(ctx: SimContext, inc: SimIncident, body: Record<string, unknown>): SimArtifact {
  const type = artifactType(ctx, body.type);
  if (typeof body.value !== 'string' || body.value === '') throw badRequest("The 'value' field is required");
  const value = body.value;
  const dup = [...ctx.state.artifacts.values()].some(
    (a) => a.inc_id === inc.id && a.type === type && a.value.toLowerCase() === value.toLowerCase(),
  );
  if (dup && ctx.duplicateArtifacts === 'reject')
    throw badRequest(`An artifact with the value '${value}' already exists`);
  const d = body.description;
  const description =
    typeof d === 'string'
      ? d
      : typeof d === 'object' && d !== null
        ? String((d as Record<string, unknown>).content ?? '')
        : null;
  const a: SimArtifact = { id: ctx.nextId(), inc_id: inc.id, type, value, description, created: Date.now() };
  ctx.state.artifacts.set(a.id, a);
  return a;
}

/** Create answers a JSON array (multi-aware types may split values). */
export function postArtifact(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  return ok([showArtifact(ctx, createArtifact(ctx, inc, asRecord(json(req), 'artifact')), req)]);
}

export function listArtifacts(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  const list = [...ctx.state.artifacts.values()]
    .filter((a) => a.inc_id === inc.id)
    .map((a) => showArtifact(ctx, a, req));
  return ok(req.method === 'POST' ? { recordsTotal: list.length, recordsFiltered: list.length, data: list } : list);
}

function showComment(c: { id: number; inc_id: number; text: { content: string }; create_date: number }) {
  return {
    id: c.id,
    type: 'incident',
    parent_id: null,
    user_id: 1,
    user_name: 'Sim User',
    text: c.text.content,
    create_date: c.create_date,
    modify_date: c.create_date,
    children: [],
    is_deleted: false,
    inc_id: c.inc_id,
    mentioned_users: [],
  };
}

export function postComment(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  const body = asRecord(json(req), 'comment');
  const t = body.text;
  const text =
    typeof t === 'string'
      ? { format: 'html' as const, content: t }
      : typeof t === 'object' && t !== null && typeof (t as Record<string, unknown>).content === 'string'
        ? {
            format: (t as Record<string, unknown>).format === 'text' ? ('text' as const) : ('html' as const),
            content: String((t as Record<string, unknown>).content),
          }
        : undefined;
  if (!text) throw badRequest("The 'text' field is required");
  const c = { id: ctx.nextId(), inc_id: inc.id, text, create_date: Date.now() };
  ctx.state.comments.set(c.id, c);
  return ok(showComment(c));
}

export function listComments(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  return ok([...ctx.state.comments.values()].filter((c) => c.inc_id === inc.id).map(showComment));
}

function tableDef(req: SimRequest) {
  const name = req.params.table ?? '';
  const def = SepTableDefs[name];
  if (!def) throw notFound(name);
  return { name, def };
}

function showRow(r: SimRow) {
  const cells = Object.fromEntries(Object.entries(r.cells).map(([k, v]) => [k, { id: k, row_id: r.id, value: v }]));
  return { id: r.id, cells, actions: [], playbooks: [], version: r.version };
}

function readCells(req: SimRequest, columns: Record<string, string>): Record<string, unknown> {
  const body = asRecord(json(req), 'row');
  const cells = asRecord(body.cells ?? {}, 'cells');
  const out: Record<string, unknown> = {};
  for (const [col, cell] of Object.entries(cells)) {
    if (!(col in columns)) throw badRequest(`Unknown column '${col}'`);
    const v =
      typeof cell === 'object' && cell !== null && !Array.isArray(cell)
        ? (cell as Record<string, unknown>).value
        : cell;
    const kind = columns[col];
    const okType =
      v === null ||
      ((kind === 'number' || kind === 'datetime') && typeof v === 'number') ||
      (kind === 'boolean' && typeof v === 'boolean') ||
      ((kind === 'text' || kind === 'textarea') && (typeof v === 'string' || typeof v === 'number'));
    if (!okType) throw badRequest(`Invalid value for column '${col}' (${kind})`);
    out[col] = v;
  }
  return out;
}

export function getTable(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  const { name, def } = tableDef(req);
  const rows = [...ctx.state.rows.values()].filter((r) => r.inc_id === inc.id && r.table === name).map(showRow);
  return ok({ id: def.typeId, rows, table_name: name });
}

export function postRow(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  const { name, def } = tableDef(req);
  const row: SimRow = { id: ctx.nextId(), inc_id: inc.id, table: name, cells: readCells(req, def.columns), version: 1 };
  ctx.state.rows.set(row.id, row);
  return ok(showRow(row));
}

function rowOr404(ctx: SimContext, req: SimRequest): SimRow {
  const inc = incidentOr404(ctx, req);
  const { name } = tableDef(req);
  const id = intParam(req, 'row');
  const row = ctx.state.rows.get(id);
  if (!row || row.inc_id !== inc.id || row.table !== name) throw notFound(id);
  return row;
}

/** PUT replaces the row: columns not sent become empty (callers merge first). */
export function putRow(ctx: SimContext, req: SimRequest): SimResponse {
  const row = rowOr404(ctx, req);
  row.cells = readCells(req, SepTableDefs[row.table]?.columns ?? {});
  row.version += 1;
  return ok(showRow(row));
}

export function deleteRow(ctx: SimContext, req: SimRequest): SimResponse {
  const row = rowOr404(ctx, req);
  ctx.state.rows.delete(row.id);
  return { status: 204 };
}

export function deleteAllRows(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  const { name } = tableDef(req);
  for (const r of [...ctx.state.rows.values()])
    if (r.inc_id === inc.id && r.table === name) ctx.state.rows.delete(r.id);
  return { status: 204 };
}

function showAttachment(a: SimAttachment, inc: SimIncident) {
  return {
    type: 'incident',
    id: a.id,
    uuid: a.uuid,
    name: a.name,
    content_type: a.content_type,
    created: a.created,
    creator_id: 1,
    size: a.size,
    actions: [],
    task_id: null,
    vers: 1,
    inc_id: inc.id,
    inc_name: inc.name,
    inc_owner: null,
  };
}

export async function postAttachment(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  const inc = incidentOr404(ctx, req);
  const ct = req.headers['content-type'] ?? '';
  if (!ct.startsWith('multipart/form-data')) throw badRequest('Expected multipart/form-data');
  let form: FormData;
  try {
    form = await new Request('http://sim/upload', {
      method: 'POST',
      headers: { 'content-type': ct },
      body: req.raw,
    }).formData();
  } catch {
    throw badRequest('Malformed multipart body');
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') throw badRequest("Missing multipart part 'file'");
  const data = Buffer.from(await file.arrayBuffer());
  if (data.length > MAX_ATTACHMENT_BYTES) throw new SimHttpError(413, 'The attachment exceeds max_attachment_mb (25)');
  const a: SimAttachment = {
    id: ctx.nextId(),
    uuid: randomUUID(),
    inc_id: inc.id,
    name: file.name || 'upload',
    content_type: file.type || 'application/octet-stream',
    size: data.length,
    created: Date.now(),
    data,
  };
  ctx.state.attachments.set(a.id, a);
  return ok(showAttachment(a, inc));
}

export function listAttachments(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  return ok([...ctx.state.attachments.values()].filter((a) => a.inc_id === inc.id).map((a) => showAttachment(a, inc)));
}

export function attachmentContents(ctx: SimContext, req: SimRequest): SimResponse {
  const inc = incidentOr404(ctx, req);
  const id = intParam(req, 'att');
  const a = ctx.state.attachments.get(id);
  if (!a || a.inc_id !== inc.id) throw notFound(id);
  return { status: 200, bytes: a.data, contentType: a.content_type };
}

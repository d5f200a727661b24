import type { IncomingHttpHeaders } from 'node:http';
import type { SimOrg, SimState } from './state.ts';

export type HandleFormat = 'ids' | 'names' | 'objects';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** From the `handle_format` query parameter or header (IBM sends either). */
  handleFormat: HandleFormat;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface SimContext {
  state: SimState;
  org: SimOrg;
  orgs: SimOrg[];
  duplicateArtifacts: 'allow' | 'reject';
  customFields: string[];
  artifactTypes: { id: number; name: string }[];
  nextId(): number;
}

export type Handler = (ctx: SimContext, req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** Error carrying a real StatusDTO body. */
export class SimHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function statusDto(message: string, success = false): Record<string, unknown> {
  return { success, title: null, message, hints: [], error_code: 'generic' };
}

/** IBM prints ids with a thousands separator: "Unable to find object with ID 9,999". */
export function notFound(id: number | string): SimHttpError {
  const shown = typeof id === 'number' ? id.toLocaleString('en-US') : id;
  return new SimHttpError(404, `Unable to find object with ID ${shown}`);
}

export function badRequest(message: string): SimHttpError {
  return new SimHttpError(400, message);
}

/** `/rest/orgs/:org/incidents/:id` → regex with named segments. */
export function route(method: string, path: string, handler: Handler): Route {
  const keys: string[] = [];
  const source = path.replace(/:([a-z_]+)/g, (_m, k: string) => {
    keys.push(k);
    return '([^/]+)';
  });
  return { method, pattern: new RegExp(`^${source}/?$`), keys, handler };
}

export function json(req: SimRequest): unknown {
  if (req.raw.length === 0) return {};
  try {
    return JSON.parse(req.raw.toString('utf8')) as unknown;
  } catch {
    throw badRequest('Unable to parse the request body as JSON');
  }
}

export function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

export function intParam(req: SimRequest, key: string): number {
  const raw = req.params[key] ?? '';
  if (!/^\d+$/.test(raw)) throw notFound(raw);
  return Number(raw);
}

export const ok = (body: unknown): SimResponse => ({ status: 200, body });

/** Resolve a handle (numeric id, display name, {id} or {name}) against a list; undefined for null/absent. */
export function resolveHandle(
  list: readonly { id: number; name: string }[],
  value: unknown,
  field: string,
): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  let key: unknown = value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    key = o.id ?? o.name;
  }
  const hit = list.find((e) => e.id === key || (typeof key === 'string' && (e.name === key || String(e.id) === key)));
  if (!hit) throw badRequest(`Invalid value for field '${field}': ${JSON.stringify(value)} is not a valid handle`);
  return hit.id;
}

export function showHandle(
  list: readonly { id: number; name: string }[],
  id: number | null,
  format: HandleFormat,
): unknown {
  if (id === null) return null;
  if (format === 'ids') return id;
  const name = list.find((e) => e.id === id)?.name ?? String(id);
  return format === 'names' ? name : { id, name };
}

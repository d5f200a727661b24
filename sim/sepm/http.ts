/**
 * Request/response plumbing of the SEPM simulator: one small route table, SEPM error bodies, list params.
 */
import { STATUS_CODES } from 'node:http';

export type ApiVersion = 'v1' | 'v2';

export interface RequestCtx {
  method: string;
  /** path relative to /sepm/api/v1 or /sepm/api/v2, e.g. '/computers' */
  path: string;
  version: ApiVersion;
  query: URLSearchParams;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  /** bearer token of an authenticated request */
  token: string | null;
}

export interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer | string;
  contentType?: string;
}

export type Handler = (ctx: RequestCtx) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  /** '/command-queue/{id}' style; `{x}` matches one segment */
  pattern: string;
  versions: readonly ApiVersion[];
  auth: boolean;
  handler: Handler;
}

/** The standard messages SEPM's spec lists for each status. */
const MESSAGES: Record<number, string> = {
  400: 'The parameters are invalid.',
  401: 'The user that is currently logged on has insufficient rights to execute the web method, or the user is unauthorized.',
  404: 'The requested resource was not found.',
  409: 'The request could not be completed due to a conflict with the current state of the resource.',
  410: 'Cannot find the specified object.',
  500: 'The web service encountered an error while processing the web request.',
};

export function standardMessage(status: number): string {
  return MESSAGES[status] ?? STATUS_CODES[status] ?? 'Error';
}

/** SEPM error shape: errorCode is the HTTP status as a string, appErrorCode usually empty. */
export function sepmError(status: number, message?: string): Reply {
  return {
    status,
    json: { errorCode: String(status), appErrorCode: '', errorMessage: message ?? standardMessage(status) },
  };
}

export function ok(json: unknown, status = 200): Reply {
  return { status, json };
}

export function empty(status = 200): Reply {
  return { status, body: '' };
}

/** Accepts repeated keys and comma-joined values; drops empty items (`computer_ids=` or `A,,B`). */
export function listParam(query: URLSearchParams, key: string): string[] {
  return query
    .getAll(key)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function boolParam(query: URLSearchParams, key: string): boolean {
  return (query.get(key) ?? '').trim().toLowerCase() === 'true';
}

/** Positive integer query param or the default; NaN/negative → invalid (null). */
export function intParam(query: URLSearchParams, key: string, dflt: number): number | null {
  const raw = query.get(key);
  if (raw === null || raw.trim() === '') return dflt;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** Malformed percent-encoding stays literal (it then simply matches no object) instead of throwing. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface Matched {
  route: Route;
  params: Record<string, string>;
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  version: ApiVersion,
  path: string,
): Matched | null {
  const segs = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method || !route.versions.includes(version)) continue;
    const pSegs = route.pattern.split('/').filter(Boolean);
    if (pSegs.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let okMatch = true;
    for (let i = 0; i < pSegs.length; i++) {
      const p = pSegs[i] as string;
      const s = segs[i] as string;
      if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = safeDecode(s);
      else if (p !== s) {
        okMatch = false;
        break;
      }
    }
    if (okMatch) return { route, params };
  }
  return null;
}

/** Spring Data page envelope exactly as SEPM returns it; `pageIndex` is 1-based, `number` 0-based. */
export function page<T>(
  items: readonly T[],
  pageIndex: number,
  pageSize: number,
  sort: { property: string; direction: 'ASC' | 'DESC' } | null,
): Record<string, unknown> {
  const total = items.length;
  const size = pageSize;
  const totalPages = size > 0 ? Math.ceil(total / size) : 0;
  const index = Math.max(1, pageIndex) - 1;
  const content = size > 0 ? items.slice(index * size, index * size + size) : [];
  return {
    content,
    firstPage: index === 0,
    lastPage: index >= totalPages - 1,
    number: index,
    numberOfElements: content.length,
    size,
    sort: sort ? [{ direction: sort.direction, property: sort.property, ascending: sort.direction === 'ASC' }] : null,
    totalElements: total,
    totalPages,
  };
}

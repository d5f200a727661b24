import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SimAuth, sessionBody } from './auth.ts';
import {
  attachmentContents,
  deleteAllRows,
  deleteRow,
  getTable,
  listArtifacts,
  listAttachments,
  listComments,
  postArtifact,
  postAttachment,
  postComment,
  postRow,
  putRow,
} from './children.ts';
import { Faults, type FaultSpec } from './faults.ts';
import type { HandleFormat, Route, SimContext, SimRequest, SimResponse } from './http-kit.ts';
import { notFound, route, SimHttpError, statusDto } from './http-kit.ts';
import { createIncident, getIncident, patchIncident, putIncident, queryAll, queryPaged } from './incidents.ts';
import { artifactTypeField, getConst, getIncidentFields, getOrg, getType, getTypes } from './meta.ts';
import { createState, type SimOrg, type SimState, Stock } from './state.ts';
import { generateTls } from '../shared/tls.ts';

export type { FaultSpec } from './faults.ts';

export interface SoarSimOptions {
  /** HTTPS with a CA generated at start (default true). */
  tls?: boolean;
  port?: number;
  orgName?: string;
  apiKeyId?: string;
  apiKeySecret?: string;
  users?: { email: string; password: string }[];
  duplicateArtifacts?: 'allow' | 'reject';
  /** More orgs the credentials are a member of (e.g. a disabled one, to test org resolution). */
  extraOrgs?: { name: string; enabled?: boolean; uuid?: string; cloudAccount?: string }[];
  /** Incident custom fields (API names) defined in the org (default: the sepm_* ones). */
  customFields?: string[];
  /** Added to every stock artifact type id: an install whose ids differ (clients must resolve types by name). */
  artifactTypeIdShift?: number;
}

export interface SoarSim {
  url: string;
  caPem: string | null;
  caFile: string | null;
  org: { id: number; name: string };
  apiKeyId: string;
  apiKeySecret: string;
  faults: { add(spec: FaultSpec): void; clear(): void };
  state: SimState;
  /** Invalidates all login sessions (the next session call answers 401). */
  expireSessions(): void;
  stop(): Promise<void>;
}

const O = '/rest/orgs/:org';
const I = `${O}/incidents/:inc`;
const T = `${I}/table_data/:table`;
const ROUTES: Route[] = [
  route('GET', `${O}`, getOrg),
  route('GET', '/rest/const', getConst),
  route('GET', `${O}/types`, getTypes),
  route('GET', `${O}/types/artifact/fields/type`, artifactTypeField),
  route('GET', `${O}/types/incident/fields`, getIncidentFields),
  route('GET', `${O}/types/:type`, getType),
  route('POST', `${O}/incidents`, createIncident),
  route('POST', `${O}/incidents/query_paged`, queryPaged),
  route('POST', `${O}/incidents/query`, queryAll),
  route('GET', I, getIncident),
  route('PUT', I, putIncident),
  route('PATCH', I, patchIncident),
  route('GET', `${I}/artifacts`, listArtifacts),
  route('POST', `${I}/artifacts/query_paged`, listArtifacts),
  route('POST', `${I}/artifacts`, postArtifact),
  route('GET', `${I}/comments`, listComments),
  route('POST', `${I}/comments`, postComment),
  route('GET', T, getTable),
  route('POST', `${T}/row_data`, postRow),
  route('DELETE', `${T}/row_data`, deleteAllRows),
  route('PUT', `${T}/row_data/:row`, putRow),
  route('DELETE', `${T}/row_data/:row`, deleteRow),
  route('GET', `${I}/attachments`, listAttachments),
  route('POST', `${I}/attachments`, postAttachment),
  route('GET', `${I}/attachments/:att/contents`, attachmentContents),
];

const MAX_BODY_BYTES = 30 * 1024 * 1024;
const DEFAULT_FIELDS = ['sepm_alert_key', 'sepm_occurrences', 'sepm_last_seen', 'sepm_message_ids'];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new SimHttpError(413, 'Request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: SimResponse): void {
  if (res.writableEnded || res.destroyed) return;
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  if (out.status === 204) {
    res.writeHead(204, headers).end();
  } else if (out.bytes) {
    headers['content-type'] = out.contentType ?? 'application/octet-stream';
    res.writeHead(out.status, headers).end(out.bytes);
  } else {
    headers['content-type'] = 'application/json';
    res.writeHead(out.status, headers).end(JSON.stringify(out.body ?? null));
  }
}

function handleFormat(url: URL, req: IncomingMessage): HandleFormat {
  const v = url.searchParams.get('handle_format') ?? req.headers['handle_format'] ?? req.headers['handle-format'];
  return v === 'names' || v === 'objects' ? v : 'ids';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dispatch(ctx: SimContext, auth: SimAuth, faults: Faults, req: IncomingMessage): Promise<SimResponse> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const method = (req.method ?? 'GET').toUpperCase();
  // The body is read first: a slow server has the request even when the client gives up waiting for it.
  const raw = await readBody(req);
  const fault = faults.take(method, url.pathname);
  if (fault?.kind === 'latency') await sleep(fault.delayMs ?? 1000);
  if (fault?.kind === 'conflict') throw new SimHttpError(409, 'Conflict: the object was modified by another user.');
  if (fault?.kind === 'status') {
    const status = fault.status ?? 500;
    const headers: Record<string, string> = fault.retryAfterSec ? { 'retry-after': String(fault.retryAfterSec) } : {};
    return { status, headers, body: statusDto(`Injected fault (HTTP ${status})`) };
  }
  const simReq: SimRequest = {
    method,
    path: url.pathname,
    params: {},
    query: url.searchParams,
    headers: req.headers,
    raw,
    handleFormat: handleFormat(url, req),
  };
  if (url.pathname === '/rest/session' || url.pathname === '/rest/session/') {
    if (method === 'POST') return auth.login(ctx, simReq);
    const who = auth.check(simReq);
    if (method === 'DELETE') return auth.logout(simReq);
    return { status: 200, body: sessionBody(ctx, who.kind === 'session' ? who.session : undefined) };
  }
  auth.check(simReq);
  for (const r of ROUTES) {
    const m = r.method === method ? r.pattern.exec(url.pathname) : null;
    if (!m) continue;
    r.keys.forEach((k, i) => (simReq.params[k] = decodeURIComponent(m[i + 1] ?? '')));
    if (simReq.params.org !== undefined && simReq.params.org !== String(ctx.org.id)) {
      const other = ctx.orgs.find((o) => String(o.id) === simReq.params.org);
      if (!other) throw notFound(simReq.params.org);
      if (!other.enabled) throw new SimHttpError(403, 'The organization is disabled for this user');
      if (r.handler !== getOrg) throw new SimHttpError(403, 'This simulator only stores data for the main org');
    }
    return r.handler(ctx, simReq);
  }
  return { status: 404, body: statusDto(`No resource at ${method} ${url.pathname}`) };
}

function buildOrgs(opts: SoarSimOptions): SimOrg[] {
  const main: SimOrg = {
    id: 201,
    name: opts.orgName ?? 'Test Org',
    uuid: 'a1b2c3d4-0000-4000-8000-000000000201',
    cloud_account: null,
    enabled: true,
  };
  const extra = (opts.extraOrgs ?? []).map((o, i) => ({
    id: 202 + i,
    name: o.name,
    uuid: o.uuid ?? `a1b2c3d4-0000-4000-8000-${String(202 + i).padStart(12, '0')}`,
    cloud_account: o.cloudAccount ?? null,
    enabled: o.enabled ?? true,
  }));
  return [main, ...extra];
}

/** Logs every request (method, path, final status) in state.stats and answers errors as StatusDTOs. */
function makeListener(ctx: SimContext, auth: SimAuth, faults: Faults) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    ctx.state.stats.requests += 1;
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const entry = { method: req.method ?? 'GET', path, status: 0 };
    ctx.state.stats.log.push(entry);
    dispatch(ctx, auth, faults, req)
      .catch((err: unknown) =>
        err instanceof SimHttpError
          ? { status: err.status, body: statusDto(err.message) }
          : { status: 500, body: statusDto(`Internal server error: ${String(err)}`) },
      )
      .then((out) => {
        entry.status = out.status;
        send(res, out);
      })
      // A throw while writing (e.g. the socket went away) must not become an unhandled rejection.
      .catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))));
  };
}

/** Starts an IBM QRadar SOAR REST simulator on 127.0.0.1 (HTTPS by default). */
export async function startSoarSim(options: SoarSimOptions = {}): Promise<SoarSim> {
  const useTls = options.tls ?? true;
  const tls = useTls ? await generateTls('sepm-intake SOAR simulator') : null;
  const apiKeyId = options.apiKeyId ?? 'sim-key-id';
  const apiKeySecret = options.apiKeySecret ?? 'sim-key-secret';
  const orgs = buildOrgs(options);
  const state = createState();
  let seq = 1000;
  const ctx: SimContext = {
    state,
    org: orgs[0] as SimOrg,
    orgs,
    duplicateArtifacts: options.duplicateArtifacts ?? 'allow',
    customFields: options.customFields ?? DEFAULT_FIELDS,
    artifactTypes: Stock.artifactTypes.map(([id, name]) => ({ id: id + (options.artifactTypeIdShift ?? 0), name })),
    nextId: () => ++seq,
  };
  const auth = new SimAuth(apiKeyId, apiKeySecret, options.users ?? []);
  const faults = new Faults();
  const listener = makeListener(ctx, auth, faults);
  const server: Server = tls ? createHttps({ cert: tls.cert, key: tls.key }, listener) : createHttp(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://localhost:${port}`,
    caPem: tls?.caPem ?? null,
    caFile: tls?.caFile ?? null,
    org: { id: ctx.org.id, name: ctx.org.name },
    apiKeyId,
    apiKeySecret,
    faults,
    state,
    expireSessions: () => auth.expireSessions(),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      tls?.cleanup();
    },
  };
}

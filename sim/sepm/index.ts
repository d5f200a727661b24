/**
 * SEPM REST simulator: a stateful node:http(s) server reproducing the paths, query conventions, paging envelope,
 * records and error bodies of SEPM 14.3 (see docs/reference/sepm-rest-api.md), with fault injection.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { settle } from './commands.ts';
import { DEFAULT_USER, SimCore } from './core.ts';
import { matchRoute, sepmError, type ApiVersion, type Reply, type RequestCtx, type Route } from './http.ts';
import { commandRoutes } from './routes-commands.ts';
import { estateRoutes } from './routes-estate.ts';
import { fingerprintRoutes } from './routes-fingerprints.ts';
import { identityRoutes } from './routes-identity.ts';
import { miscRoutes } from './routes-misc.ts';
import { generateTls, type SimTls } from '../shared/tls.ts';
import type { SepmSim, SepmSimOptions } from './types.ts';

export type * from './types.ts';

/** Request bodies larger than this are refused (bytes); SEPM calls carry small JSON/XML documents. */
const MAX_BODY = 10 * 1024 * 1024;
const BASE = /^\/sepm\/api\/(v1|v2)(\/.*)?$/;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends the reply; returns the body's size in bytes (for the benchmarks' figures). */
function send(res: ServerResponse, reply: Reply): number {
  if (reply.status === 204) {
    res.writeHead(204).end();
    return 0;
  }
  if (reply.json !== undefined) {
    const body = JSON.stringify(reply.json);
    res.writeHead(reply.status, { 'content-type': 'application/json;charset=UTF-8' }).end(body);
    return Buffer.byteLength(body);
  }
  const headers: Record<string, string> = {};
  if (reply.contentType) headers['content-type'] = reply.contentType;
  const body = reply.body ?? '';
  res.writeHead(reply.status, headers).end(body);
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] ?? null;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function handle(core: SimCore, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const m = BASE.exec(url.pathname);
  if (!m) return void send(res, sepmError(404));
  const version = m[1] as ApiVersion;
  const path = m[2] ?? '/';
  const body = await readBody(req);
  if (body === null) return void send(res, sepmError(400));
  settle(core);
  const token = bearer(req);
  const matched = matchRoute(routes, method, version, path);
  // Counted before faults so retries caused by injected failures show in the figures.
  if (matched) {
    const key = `${method} ${version === 'v2' ? '/v2' : ''}${matched.route.pattern}`;
    core.state.stats.requests[key] = (core.state.stats.requests[key] ?? 0) + 1;
  }
  for (const f of core.takeFaults(method, path)) {
    if (f.kind === 'latency') await delay(f.delayMs ?? 0);
    else if (f.kind === 'expire-token' && token) {
      const info = core.tokens.get(token);
      if (info) info.expiresAt = 0;
    } else if (f.kind === 'reset') {
      req.socket.destroy();
      return;
    } else if (f.kind === 'status') return void send(res, sepmError(f.status ?? 500));
  }
  if (!matched) return void send(res, sepmError(404));
  if (matched.route.auth && !core.tokenValid(token)) return void send(res, sepmError(401));
  const ctx: RequestCtx = {
    method,
    path,
    version,
    query: url.searchParams,
    body,
    headers: req.headers,
    params: matched.params,
    token,
  };
  const key = `${method} ${version === 'v2' ? '/v2' : ''}${matched.route.pattern}`;
  const sent = send(res, await matched.route.handler(ctx));
  core.state.stats.bytes[key] = (core.state.stats.bytes[key] ?? 0) + sent + body.length;
}

export async function startSepmSim(options: SepmSimOptions = {}): Promise<SepmSim> {
  const core = new SimCore(options);
  const routes = [
    ...identityRoutes(core),
    ...estateRoutes(core),
    ...commandRoutes(core),
    ...fingerprintRoutes(core),
    ...miscRoutes(core),
  ];
  const useTls = options.tls ?? true;
  const tls: SimTls | null = useTls ? await generateTls() : null;
  const stats = core.state.stats;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    // In flight from the request's arrival until its answer is written or its socket goes (the client's budget).
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) stats.inFlight--;
      done = true;
    };
    res.once('finish', finish);
    res.once('close', finish);
    handle(core, routes, req, res).catch((err: unknown) => {
      // A simulator bug must be visible to the developer, yet look like a SEPM 500 to the client.
      process.stderr.write(`sepm sim: ${(err as Error).stack ?? String(err)}\n`);
      if (!res.headersSent) send(res, sepmError(500));
      else res.destroy();
    });
  };
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener)
    : createHttpServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const protocol = tls ? 'https' : 'http';
  const user = (options.users ?? [DEFAULT_USER])[0] ?? DEFAULT_USER;
  return {
    url: `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    protocol,
    caPem: tls?.caPem ?? '',
    caFile: tls?.caFile ?? '',
    credentials: { username: user.username, password: user.password, domain: user.domain },
    state: core.state,
    faults: { add: (f) => core.addFault(f), clear: () => core.clearFaults() },
    plantFile: (id, file) => core.plantFile(id, file),
    expireAllTokens: () => core.expireAllTokens(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          tls?.cleanup();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

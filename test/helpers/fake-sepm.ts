import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sepmSchema, type SepmConfig } from '../../src/config/schema.ts';

/**
 * A tiny plain-HTTP SEPM stand-in for client-mechanics unit tests: routes answer with canned bodies (the real
 * samples) and every request is recorded. Not a simulator — sim/sepm is the faithful one.
 */

export const FIXTURES = new URL('../../fixtures/sepm-api/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeSepm {
  url: string;
  port: number;
  requests: RecordedRequest[];
  logins: RecordedRequest[];
  route(key: string, handler: Handler): void;
  /** Login behaviour: default issues token `tok-N` with tokenExpiration 43200. */
  onLogin(handler: Handler): void;
  validTokens: Set<string>;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

export function sepmError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { errorCode: String(status), appErrorCode: '', errorMessage: message });
}

export async function startFakeSepm(): Promise<FakeSepm> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const logins: RecordedRequest[] = [];
  const validTokens = new Set<string>();
  let n = 0;
  let login: Handler = (_req, res) => {
    const token = `tok-${++n}`;
    validTokens.add(token);
    sendJson(res, 200, { token, tokenExpiration: 43200 });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      void (async () => {
        if (rec.path === '/sepm/api/v1/identity/authenticate') {
          logins.push(rec);
          return login(rec, res);
        }
        requests.push(rec);
        const auth = req.headers.authorization ?? '';
        if (!validTokens.has(auth.replace(/^Bearer /, ''))) return sepmError(res, 401, 'unauthorized');
        const rel = rec.path.replace(/^\/sepm\/api\/v[12]/, '');
        const handler = routes.get(`${rec.method} ${rec.path}`) ?? routes.get(`${rec.method} ${rel}`);
        if (!handler) return sepmError(res, 404, `no route ${rec.method} ${rec.path}`);
        await handler(rec, res);
      })().catch((err: unknown) => sendJson(res, 500, { errorMessage: String(err) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    logins,
    validTokens,
    route: (key, handler) => routes.set(key, handler),
    onLogin: (handler) => {
      login = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function fakeConfig(port: number, overrides: Partial<SepmConfig> = {}): SepmConfig {
  return sepmSchema.parse({
    host: '127.0.0.1',
    port,
    protocol: 'http',
    username: 'admin',
    password: 'S3cr3t!"#%&\'<>\\',
    requestTimeoutMs: 2000,
    ...overrides,
  });
}

/**
 * Minimal raw HTTP access to the SEPM simulator for its own tests (the real client lives in src/enrich/sepm).
 * HTTPS goes through an undici Agent that trusts only the simulator's CA — verification stays on.
 */
import { Agent, fetch } from 'undici';
import type { SepmSim } from '../../sim/sepm/index.ts';

export interface CallOptions {
  query?: Record<string, string | string[]>;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  version?: 'v1' | 'v2';
  /** send the bearer token (default true) */
  auth?: boolean;
}

export interface CallResult {
  status: number;
  text: string;
  body: Buffer;
  json: unknown;
  contentType: string;
}

export interface SimApi {
  token: string;
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  login(creds?: { username: string; password: string; domain: string }): Promise<CallResult>;
  close(): Promise<void>;
}

export function simApi(sim: SepmSim): SimApi {
  const dispatcher = sim.protocol === 'https' ? new Agent({ connect: { ca: sim.caPem } }) : new Agent();
  const api: SimApi = {
    token: '',
    async call(method, path, opts = {}) {
      const url = new URL(`${sim.url}/sepm/api/${opts.version ?? 'v1'}${path}`);
      for (const [k, v] of Object.entries(opts.query ?? {})) {
        for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, item);
      }
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.auth !== false && api.token) headers.authorization = `Bearer ${api.token}`;
      let body: string | undefined = opts.body;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url, { method, headers, body, dispatcher });
      const buf = Buffer.from(await res.arrayBuffer());
      const text = buf.toString('utf8');
      const contentType = res.headers.get('content-type') ?? '';
      let json: unknown = undefined;
      if (contentType.includes('json') && text) json = JSON.parse(text);
      return { status: res.status, text, body: buf, json, contentType };
    },
    async login(creds = sim.credentials) {
      const r = await api.call('POST', '/identity/authenticate', { json: creds, auth: false });
      if (r.status === 200) api.token = (r.json as { token: string }).token;
      return r;
    },
    close: () => dispatcher.close(),
  };
  return api;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls a command until all but `allowPending` entries are terminal (3..6) — offline clients never leave 0 —
 * bounded by `maxMs`.
 */
export async function waitCommand(
  api: SimApi,
  id: string,
  maxMs = 5000,
  allowPending = 0,
): Promise<Record<string, unknown>[]> {
  const until = Date.now() + maxMs;
  for (;;) {
    const r = await api.call('GET', `/command-queue/${id}`, { query: { pageSize: '1000' } });
    const content = (r.json as { content: Record<string, unknown>[] }).content;
    const terminal = content.filter((e) => (e.stateId as number) >= 3).length;
    if (terminal >= content.length - allowPending || Date.now() > until) return content;
    await sleep(20);
  }
}

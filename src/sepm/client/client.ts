import { request as undiciRequest, type Dispatcher } from 'undici';
import type { SepmConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { buildTlsDispatcher } from '../../shared/http/tls-dispatcher.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { operationLabel, sepmErrors, sepmLatency, timed } from '../../shared/metrics.ts';
import { READ_RETRY, retryRead, type ReadRetryPolicy } from '../../shared/retry.ts';
import { httpError, transportError } from './http-errors.ts';
import type { Redis } from 'ioredis';
import { GlobalLimiter } from './global-limiter.ts';
import { Limiter } from './limiter.ts';
import { SharedTokens } from './shared-token.ts';
import { TokenManager, type LoginResult, type TokenSource } from './token-manager.ts';
import type { SepmPage } from '../functions/types.ts';

/**
 * The one adapter for the SEPM REST API (docs/reference/sepm-rest-api.md): TLS with verification on (CA bundle, optional client
 * certificate), optional proxy, per-request timeouts, bounded concurrency, bearer-token management with one
 * re-login on 401, a bounded retry for idempotent GETs only (src/shared/retry.ts), paging, and SEPM error bodies mapped to AppErrors.
 */

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SepmRequestOptions {
  query?: Record<string, QueryValue> | undefined;
  /** JSON body (serialised with JSON.stringify). */
  json?: unknown;
  /** XML body, sent as UTF-8 under application/json as working clients do (docs/reference/sepm-rest-api.md §1 Transport). */
  xmlBody?: string | undefined;
  /** Return the body as a Buffer instead of parsing JSON. */
  raw?: boolean | undefined;
  /**
   * In-process retry of a transient failure (network, 5xx, 429, timeout) under READ_RETRY (src/shared/retry.ts).
   * Only GETs are ever retried here; `false` turns it off for a GET (readiness probes). Other methods fail at once
   * and BullMQ retries the job — a command is never re-sent blindly.
   */
  retry?: false | undefined;
  /** 'v2' swaps /v1 for /v2 in the base path (fingerprint-list fallback). */
  apiVersion?: 'v1' | 'v2' | undefined;
  /** Body size cap for raw downloads, bytes. */
  maxBytes?: number | undefined;
}

export interface SepmClientOptions {
  logger?: Logger;
  /** Override of the read retry policy (tests use short delays); the defaults are READ_RETRY. */
  retry?: Partial<ReadRetryPolicy>;
  /** How long a refused login is remembered before SEPM is asked again, ms (default 60 s). */
  authFailureBackoffMs?: number;
  now?: () => number;
  /** Injected dispatcher (tests); default = an undici Agent/ProxyAgent built from the config. */
  dispatcher?: Dispatcher;
  /**
   * The deployment's Redis (redis.prefix): `sepm.maxConcurrency` then bounds every client on the prefix together
   * and they share one token (global-limiter.ts, shared-token.ts). Without it the budget and token are this client's.
   */
  shared?: { redis: Redis; prefix: string };
}

export interface SepmClientStats {
  logins: number;
  requests: number;
  retries: number;
}

const ERROR_BODY_LIMIT = 64 * 1024;

export class SepmClient {
  readonly cfg: SepmConfig;
  private readonly origin: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly limiter: Pick<Limiter, 'run'>;
  private readonly tokens: TokenSource;
  private readonly log: Logger;
  private readonly retry: ReadRetryPolicy;
  private counters = { requests: 0, retries: 0 };

  constructor(cfg: SepmConfig, opts: SepmClientOptions = {}) {
    if (!cfg.host) throw new AppError(ErrorCodes.CONFIG_INVALID, 'sepm.host is not set');
    this.cfg = cfg;
    const host = cfg.host.includes(':') && !cfg.host.startsWith('[') ? `[${cfg.host}]` : cfg.host;
    this.origin = `${cfg.protocol}://${host}:${cfg.port}`;
    this.log = (opts.logger ?? silentLogger).child({ component: 'sepm-client' });
    this.retry = { ...READ_RETRY, ...opts.retry };
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? buildDispatcher(cfg);
    const tokenOptions = {
      refreshMarginSec: cfg.tokenRefreshMarginSec,
      authFailureBackoffMs: opts.authFailureBackoffMs ?? 60_000,
      ...(opts.now ? { now: opts.now } : {}),
    };
    if (opts.shared) {
      // Longer than any exchange: requestTimeoutMs aborts it, the margin covers a slow release (ms).
      const leaseMs = cfg.requestTimeoutMs + 5000;
      const { redis, prefix } = opts.shared;
      this.limiter = new GlobalLimiter({ redis, prefix, max: cfg.maxConcurrency, leaseMs });
      const account = { host: cfg.host, port: cfg.port, domain: cfg.domain, username: cfg.username };
      // The login is an exchange too: it takes a slot of the budget like every request.
      const login = () => this.limiter.run(() => this.login());
      const shared = { redis, prefix, loginTimeoutMs: leaseMs, login };
      this.tokens = new SharedTokens({
        ...shared,
        account: { ...account, password: cfg.password ?? '' },
        ...tokenOptions,
      });
    } else {
      this.limiter = new Limiter(cfg.maxConcurrency);
      this.tokens = new TokenManager({ login: () => this.login(), ...tokenOptions });
    }
  }

  get stats(): SepmClientStats {
    return { logins: this.tokens.logins, ...this.counters };
  }

  /** One authenticated call. Path is relative to the base path (e.g. '/computers'). */
  async request<T = unknown>(method: HttpMethod, path: string, opts: SepmRequestOptions = {}): Promise<T> {
    const token = await this.tokens.get();
    try {
      return await this.sendWithRetry<T>(method, path, opts, token);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 401) throw err;
      // The token died early (server restart, expiry, revocation): one fresh login, one more try.
      await this.tokens.invalidate(token);
      const fresh = await this.tokens.get();
      return this.sendWithRetry<T>(method, path, opts, fresh);
    }
  }

  /** Streams pages (pageIndex 1, 2, …) until lastPage, an empty page, or pageIndex ≥ totalPages. */
  async *pages<T>(path: string, query: Record<string, QueryValue> = {}): AsyncGenerator<SepmPage<T>> {
    const pageSize = query.pageSize ?? this.cfg.pageSize;
    for (let pageIndex = 1; ; pageIndex++) {
      const page = await this.request<SepmPage<T>>('GET', path, { query: { ...query, pageIndex, pageSize } });
      if (!page || !Array.isArray(page.content)) {
        throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `SEPM GET ${path}: answer is not a page`);
      }
      yield page;
      const totalPages = typeof page.totalPages === 'number' ? page.totalPages : Infinity;
      if (page.lastPage === true || page.content.length === 0 || pageIndex >= totalPages) return;
    }
  }

  /** Every page merged into one page object. */
  async all<T>(path: string, query: Record<string, QueryValue> = {}): Promise<SepmPage<T>> {
    const content: T[] = [];
    let last: SepmPage<T> | undefined;
    for await (const page of this.pages<T>(path, query)) {
      for (const item of page.content) content.push(item);
      last = page;
    }
    return {
      ...last,
      content,
      firstPage: true,
      lastPage: true,
      number: 0,
      numberOfElements: content.length,
      totalElements: Math.max(content.length, last?.totalElements ?? 0),
      totalPages: 1,
    };
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async sendWithRetry<T>(method: HttpMethod, path: string, opts: SepmRequestOptions, token: string) {
    const once = () => this.limiter.run(() => this.send<T>(method, path, opts, token));
    if (method !== 'GET' || opts.retry === false) return once();
    return retryRead(
      this.retry,
      {
        retryable: (err) => err instanceof AppError && err.retryable,
        onRetry: (err, attempt, delay) => {
          this.counters.retries++;
          const e = err instanceof AppError ? { code: err.code, status: err.status } : {};
          this.log.warn({ method, path, ...e, attempt, delay }, 'SEPM call failed, retrying');
        },
      },
      once,
    );
  }

  private async send<T>(method: HttpMethod, path: string, opts: SepmRequestOptions, token: string): Promise<T> {
    if (!token) throw new AppError(ErrorCodes.SEPM_NO_TOKEN, 'no SEPM token');
    const base = opts.apiVersion === 'v2' ? this.cfg.basePath.replace(/\/v1(?=\/|$)/, '/v2') : this.cfg.basePath;
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let body: string | undefined;
    if (opts.json !== undefined) body = JSON.stringify(opts.json);
    else if (opts.xmlBody !== undefined) body = opts.xmlBody;
    if (body !== undefined) headers['content-type'] = 'application/json; charset=UTF-8';
    headers.accept = opts.raw ? '*/*' : 'application/json';
    const url = `${this.origin}${base}${path}${encodeQuery(opts.query, this.cfg.idListStyle)}`;
    const res = await timed(sepmLatency, sepmErrors, operationLabel(method, path), () =>
      this.exchange(method, `${base}${path}`, url, headers, body, opts),
    );
    return res as T;
  }

  /** One HTTP exchange; returns parsed JSON, undefined for an empty body, or a Buffer for raw. */
  private async exchange(
    method: HttpMethod,
    what: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    opts: { raw?: boolean | undefined; maxBytes?: number | undefined },
  ): Promise<unknown> {
    this.counters.requests++;
    const signal = AbortSignal.timeout(this.cfg.requestTimeoutMs);
    const label = `${method} ${what}`;
    const started = Date.now();
    try {
      const res = await undiciRequest(url, { method, headers, body, signal, dispatcher: this.dispatcher });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const text = (await readBody(res.body, ERROR_BODY_LIMIT, true)).toString('utf8');
        this.log.debug({ method, path: what, status: res.statusCode, ms: Date.now() - started }, 'SEPM answer');
        throw httpError(label, res.statusCode, text);
      }
      const buf = await readBody(res.body, opts.maxBytes ?? Infinity, false);
      this.log.debug({ method, path: what, status: res.statusCode, ms: Date.now() - started }, 'SEPM answer');
      if (opts.raw) return buf;
      return parseJsonBody(label, buf);
    } catch (err) {
      throw transportError(label, err, signal.aborted);
    }
  }

  private async login(): Promise<LoginResult> {
    const { username, password, domain } = this.cfg;
    const url = `${this.origin}${this.cfg.authPath}`;
    const headers = { 'content-type': 'application/json; charset=UTF-8', accept: 'application/json' };
    // JSON.stringify, never string concatenation: passwords contain quotes, backslashes, <, &, …
    const body = JSON.stringify({ username, password: password ?? '', domain });
    let parsed: unknown;
    try {
      parsed = await this.exchange('POST', this.cfg.authPath, url, headers, body, {});
    } catch (err) {
      if (err instanceof AppError && (err.status === 401 || err.status === 403)) {
        throw new AppError(
          ErrorCodes.SEPM_AUTH_FAILED,
          `SEPM refused the login of '${username}' (wrong credentials, locked account or missing rights)`,
          { status: err.status, retryable: false, details: err.details },
        );
      }
      throw err;
    }
    const o = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
    const exp = Number(o.tokenExpiration);
    return {
      token: typeof o.token === 'string' ? o.token : '',
      tokenExpiration: Number.isFinite(exp) && exp > 0 ? exp : undefined,
    };
  }
}

export function createSepmClient(cfg: SepmConfig, opts: SepmClientOptions = {}): SepmClient {
  return new SepmClient(cfg, opts);
}

function buildDispatcher(cfg: SepmConfig): Dispatcher {
  // +1 connection so a login never waits behind maxConcurrency busy requests.
  return buildTlsDispatcher({ configKey: 'sepm', ...cfg, connections: cfg.maxConcurrency + 1 });
}

/** Query string; arrays per idListStyle (repeat keys or comma-joined); empty values omitted. */
export function encodeQuery(query: Record<string, QueryValue> | undefined, style: 'repeat' | 'comma'): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      const items = (value as readonly string[]).filter((v) => v !== '');
      if (items.length === 0) continue;
      if (style === 'comma') params.append(key, items.join(','));
      else for (const item of items) params.append(key, item);
    } else {
      params.append(key, String(value));
    }
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function readBody(body: AsyncIterable<Buffer | Uint8Array>, max: number, truncate: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    if (size > max) {
      if (truncate) break;
      throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `SEPM answer larger than ${max} bytes; refused`, {
        details: { maxBytes: max },
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function parseJsonBody(label: string, buf: Buffer): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `SEPM ${label}: answer is not JSON`, { retryable: false });
  }
}

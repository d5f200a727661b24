import { type Dispatcher, FormData, request } from 'undici';
import type { SoarConfig } from '../../config/schema.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { buildTlsDispatcher } from '../../shared/http/tls-dispatcher.ts';
import type { Logger } from '../../shared/logger.ts';
import { observe, operationLabel, soarErrors, soarLatency } from '../../shared/metrics.ts';
import { badResponse, statusError, transportError } from './errors.ts';

export type IbmConfig = NonNullable<SoarConfig['ibm']>;

export interface RetryPolicy {
  /** Total attempts for one call (first try included). */
  attempts: number;
  /** First backoff step (ms); doubles per attempt, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Cap (ms) on a server's Retry-After. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

export interface CallOptions {
  query?: Record<string, string | number | boolean>;
  /** JSON value, or undici's FormData for multipart (Node's global FormData is a different class). */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Safe to send again after a 5xx/timeout/network failure (reads, PUT of a whole object, deletes). Creates are
   * not: their callers look the object up before posting again.
   */
  idempotent: boolean;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SessionInfo {
  orgs: unknown[];
  [key: string]: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Transport to one IBM QRadar SOAR server: auth (API key or session), timeouts, error mapping, bounded retries. */
export class IbmHttp {
  private readonly cfg: IbmConfig;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private readonly base: string;
  private readonly dispatcher: Dispatcher;
  private session: { cookie: string; csrf: string } | null = null;
  private loginInFlight: Promise<SessionInfo> | null = null;

  constructor(cfg: IbmConfig, logger: Logger, retry: RetryPolicy = DEFAULT_RETRY) {
    this.cfg = cfg;
    this.logger = logger;
    this.retry = retry;
    this.base = cfg.url.replace(/\/+$/, '');
    if (!(cfg.apiKeyId && cfg.apiKeySecret) && !(cfg.username && cfg.password)) {
      throw new AppError(ErrorCodes.CONFIG_INVALID, 'soar.ibm needs apiKeyId + apiKeySecret or username + password');
    }
    this.dispatcher = buildTlsDispatcher({ configKey: 'soar.ibm', ...cfg });
  }

  get usesSession(): boolean {
    return !(this.cfg.apiKeyId && this.cfg.apiKeySecret);
  }

  /** API key: GET /rest/session; legacy: POST /rest/session (cookie + CSRF token). Returns the org list. */
  async authenticate(): Promise<SessionInfo> {
    if (!this.usesSession) return this.asSession(await this.call('GET', '/rest/session', { idempotent: true }));
    this.loginInFlight ??= this.login().finally(() => (this.loginInFlight = null));
    return this.loginInFlight;
  }

  private async login(): Promise<SessionInfo> {
    this.session = null;
    const body = { email: this.cfg.username, password: this.cfg.password, interactive: true };
    const res = await this.send('POST', '/rest/session', { body, idempotent: true }, 'login');
    if (res.status !== 200) throw statusError(res.status, res.body, 'SOAR login');
    const info = this.asSession(this.parse(res, 'SOAR login'));
    const setCookie = [res.headers['set-cookie'] ?? []].flat();
    const jsession = setCookie.map((c) => /JSESSIONID=([^;]+)/.exec(c)?.[1]).find(Boolean);
    if (!jsession || typeof info.csrf_token !== 'string') {
      throw new AppError(ErrorCodes.SOAR_AUTH_FAILED, 'SOAR login: no session cookie or csrf_token in the answer');
    }
    this.session = { cookie: `JSESSIONID=${jsession}`, csrf: info.csrf_token };
    return info;
  }

  private asSession(v: unknown): SessionInfo {
    if (typeof v !== 'object' || v === null || !Array.isArray((v as SessionInfo).orgs)) {
      throw badResponse('SOAR session', 'answer has no orgs list');
    }
    return v as SessionInfo;
  }

  private authHeaders(): Record<string, string> {
    if (!this.usesSession) {
      const token = Buffer.from(`${this.cfg.apiKeyId}:${this.cfg.apiKeySecret}`).toString('base64');
      return { authorization: `Basic ${token}` };
    }
    return this.session ? { cookie: this.session.cookie, 'x-sess-id': this.session.csrf } : {};
  }

  private async send(method: string, path: string, opts: CallOptions, what: string): Promise<RawResponse> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders(), ...opts.headers };
    let body: string | FormData | undefined;
    if (opts.body instanceof FormData) body = opts.body;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const signal = AbortSignal.timeout(this.cfg.timeoutMs);
    const started = Date.now();
    try {
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body as never,
        dispatcher: this.dispatcher,
        signal,
        headersTimeout: this.cfg.timeoutMs,
        bodyTimeout: this.cfg.timeoutMs,
      });
      const buf = Buffer.from(await res.body.arrayBuffer());
      this.logger.debug({ method, path: url.pathname, status: res.statusCode, ms: Date.now() - started }, 'soar call');
      return { status: res.statusCode, headers: res.headers, body: buf };
    } catch (err) {
      throw transportError(err, what, signal.aborted);
    }
  }

  private parse(res: RawResponse, what: string): unknown {
    if (res.status === 204 || res.body.length === 0) return null;
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw badResponse(what, `HTTP ${res.status} answer is not JSON`);
    }
  }

  /** One call with session re-login (once, on 401) and bounded retries; answers the parsed JSON body. */
  async call(method: string, path: string, opts: CallOptions): Promise<unknown> {
    const res = await this.exchange(method, path, opts);
    return this.parse(res, `${method} ${path}`);
  }

  /** Like call() but returns the bytes (attachment contents). */
  async callBytes(method: string, path: string, opts: CallOptions): Promise<Buffer> {
    return (await this.exchange(method, path, opts)).body;
  }

  private async exchange(method: string, path: string, opts: CallOptions): Promise<RawResponse> {
    const what = `SOAR ${method} ${path}`;
    let relogged = false;
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.usesSession && !this.session) await this.authenticate();
        const res = await observe(soarLatency, operationLabel(method, path), () => this.send(method, path, opts, what));
        if (res.status === 401 && this.usesSession && !relogged) {
          // Sessions expire server-side; one fresh login is worth it, a second 401 is a real auth failure.
          relogged = true;
          this.session = null;
          attempt--;
          continue;
        }
        if (res.status >= 200 && res.status < 300) return res;
        const err = statusError(res.status, res.body, what);
        if (res.status !== 429) throw err;
        const details = { retryAfterMs: this.retryAfterMs(res) };
        throw new AppError(err.code, err.message, { status: 429, retryable: true, details });
      } catch (err) {
        const e = err instanceof AppError ? err : transportError(err, what, false);
        soarErrors.inc({ code: e.code });
        const canRepeat = e.retryable && (opts.idempotent || e.code === ErrorCodes.SOAR_RATE_LIMITED);
        if (!canRepeat || attempt >= this.retry.attempts) throw e;
        const wait = this.delayFor(attempt, e);
        this.logger.warn({ code: e.code, status: e.status, attempt, waitMs: wait, path }, 'soar call failed, retrying');
        await sleep(wait);
      }
    }
  }

  private retryAfterMs(res: RawResponse): number | undefined {
    const raw = res.headers['retry-after'];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (!v) return undefined;
    const secs = Number(v);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - Date.now();
    return Number.isFinite(ms) ? Math.max(0, Math.min(ms, this.retry.maxRetryAfterMs)) : undefined;
  }

  /** Exponential backoff with equal jitter; a 429's Retry-After wins when given. */
  delayFor(attempt: number, err: AppError): number {
    const retryAfter = (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    if (retryAfter !== undefined) return retryAfter;
    return backoffDelay(attempt - 1, { baseMs: this.retry.baseDelayMs, maxMs: this.retry.maxDelayMs });
  }

  async close(): Promise<void> {
    if (this.usesSession && this.session) {
      await this.send('DELETE', '/rest/session', { idempotent: true }, 'SOAR logout').catch(() => undefined);
      this.session = null;
    }
    await this.dispatcher.close();
  }
}

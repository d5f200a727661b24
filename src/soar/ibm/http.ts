import { type Dispatcher, FormData, request } from 'undici';
import type { SoarConfig } from '../../config/schema.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { buildTlsDispatcher } from '../../shared/http/tls-dispatcher.ts';
import type { Logger } from '../../shared/logger.ts';
import { READ_RETRY, retryRead, type ReadRetryPolicy } from '../../shared/retry.ts';
import { observe, operationLabel, soarErrors, soarLatency } from '../../shared/metrics.ts';
import { badResponse, statusError, transportError } from './errors.ts';

export type IbmConfig = NonNullable<SoarConfig['ibm']>;

/** The read retry policy (src/shared/retry.ts); tests override the delays. */
export type RetryPolicy = ReadRetryPolicy;

export const DEFAULT_RETRY: RetryPolicy = READ_RETRY;

/** Cap on a server's Retry-After, ms; a wait beyond the retry budget fails the call to BullMQ anyway. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface CallOptions {
  query?: Record<string, string | number | boolean>;
  /** JSON value, or undici's FormData for multipart (Node's global FormData is a different class). */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * A read, safe to send again after a 5xx/timeout/network/429 failure: GETs and the read-only POST query_paged.
   * Only these get the bounded in-process retry (src/shared/retry.ts); every write (create, PUT, DELETE) is sent
   * once and a failure goes to BullMQ, which retries the job. Creates look the object up before failing, so
   * the job's retry does not create it twice.
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

function retryAfterOf(err: unknown): number | undefined {
  return err instanceof AppError ? (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs : undefined;
}

/** Transport to one IBM QRadar SOAR server: auth (API key or session), timeouts, error mapping, bounded read retries. */
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
        body,
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

  /** One call with session re-login (once, on 401) and, for reads, the bounded retry; answers the parsed JSON. */
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
    const once = () => this.exchangeOnce(method, path, opts, what);
    if (!opts.idempotent) return once();
    return retryRead(
      this.retry,
      {
        retryable: (err) => err instanceof AppError && err.retryable,
        waitHint: (err) => retryAfterOf(err),
        onRetry: (err, attempt, waitMs) => {
          const e = err instanceof AppError ? { code: err.code, status: err.status } : {};
          this.logger.warn({ ...e, attempt, waitMs, path }, 'soar call failed, retrying');
        },
      },
      once,
    );
  }

  /** One request, with one fresh login on a 401 of an expired session; non-2xx answers become AppErrors. */
  private async exchangeOnce(method: string, path: string, opts: CallOptions, what: string): Promise<RawResponse> {
    try {
      for (let relogged = false; ; relogged = true) {
        if (this.usesSession && !this.session) await this.authenticate();
        const res = await observe(soarLatency, operationLabel(method, path), () => this.send(method, path, opts, what));
        if (res.status === 401 && this.usesSession && !relogged) {
          // Sessions expire server-side; one fresh login is worth it, a second 401 is a real auth failure.
          this.session = null;
          continue;
        }
        if (res.status >= 200 && res.status < 300) return res;
        const err = statusError(res.status, res.body, what);
        if (res.status !== 429) throw err;
        const details = { retryAfterMs: this.retryAfterMs(res) };
        throw new AppError(err.code, err.message, { status: 429, retryable: true, details });
      }
    } catch (err) {
      const e = err instanceof AppError ? err : transportError(err, what, false);
      soarErrors.inc({ code: e.code });
      throw e;
    }
  }

  private retryAfterMs(res: RawResponse): number | undefined {
    const raw = res.headers['retry-after'];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (!v) return undefined;
    const secs = Number(v);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - Date.now();
    return Number.isFinite(ms) ? Math.max(0, Math.min(ms, MAX_RETRY_AFTER_MS)) : undefined;
  }

  /** Wait before try `attempt + 1` (1-based): a 429's Retry-After when given, else the policy's backoff, ms. */
  delayFor(attempt: number, err: AppError): number {
    return retryAfterOf(err) ?? backoffDelay(attempt - 1, { baseMs: this.retry.baseMs, maxMs: this.retry.capMs });
  }

  async close(): Promise<void> {
    if (this.usesSession && this.session) {
      await this.send('DELETE', '/rest/session', { idempotent: true }, 'SOAR logout').catch(() => undefined);
      this.session = null;
    }
    await this.dispatcher.close();
  }
}

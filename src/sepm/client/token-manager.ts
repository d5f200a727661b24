import { AppError, ErrorCodes } from '../../shared/errors.ts';

/**
 * One SEPM bearer token per client (= per host, domain and user). Cached until `tokenExpiration − margin`,
 * refreshed by a single in-flight login shared by all concurrent callers. A refused login is remembered for a
 * back-off period so a wrong password never turns into a login loop that locks the integration account.
 */

/** SEPM's tokenExpiration is in seconds; absent → assume 12 h (the only public figure, docs/reference/sepm-rest-api.md §2 Login and token). */
export const DEFAULT_TOKEN_LIFETIME_SEC = 43_200;

export interface LoginResult {
  token: string;
  /** Seconds, as SEPM reports it; undefined when the answer had none. */
  tokenExpiration?: number | undefined;
}

export interface TokenManagerOptions {
  login: () => Promise<LoginResult>;
  refreshMarginSec: number;
  /** How long a refused login (401/403) is answered from memory without asking SEPM again, ms. */
  authFailureBackoffMs: number;
  now?: () => number;
}

export class TokenManager {
  private token: string | undefined;
  private expiresAt = 0;
  private inflight: Promise<string> | undefined;
  private failure: { error: AppError; until: number } | undefined;
  private readonly opts: TokenManagerOptions;
  private readonly now: () => number;
  /** Logins actually sent to SEPM (for the benchmark and tests). */
  logins = 0;

  constructor(opts: TokenManagerOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** A valid token, logging in when there is none or it is about to expire. */
  async get(): Promise<string> {
    if (this.token !== undefined && this.now() < this.expiresAt) return this.token;
    return this.refresh();
  }

  /** Drops `token` if it is still the cached one (a 401 proved it dead), so the next get() logs in again. */
  invalidate(token: string): void {
    if (this.token === token) {
      this.token = undefined;
      this.expiresAt = 0;
    }
  }

  private refresh(): Promise<string> {
    if (this.failure && this.now() < this.failure.until) return Promise.reject(this.failure.error);
    if (!this.inflight) {
      this.inflight = this.doLogin().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async doLogin(): Promise<string> {
    this.logins++;
    let result: LoginResult;
    try {
      result = await this.opts.login();
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCodes.SEPM_AUTH_FAILED) {
        this.failure = { error: err, until: this.now() + this.opts.authFailureBackoffMs };
      }
      throw err;
    }
    if (typeof result.token !== 'string' || result.token.trim() === '') {
      throw new AppError(ErrorCodes.SEPM_NO_TOKEN, 'SEPM login answered without a token', { retryable: false });
    }
    this.failure = undefined;
    const lifetimeSec =
      typeof result.tokenExpiration === 'number' && result.tokenExpiration > 0
        ? result.tokenExpiration
        : DEFAULT_TOKEN_LIFETIME_SEC;
    // A margin larger than the lifetime would make every call log in; keep at least half the lifetime.
    const marginSec = Math.min(this.opts.refreshMarginSec, lifetimeSec / 2);
    this.token = result.token;
    this.expiresAt = this.now() + (lifetimeSec - marginSec) * 1000;
    return result.token;
  }
}

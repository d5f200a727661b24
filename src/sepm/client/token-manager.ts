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
  /** When the token must no longer be used, epoch ms (a token shared through Redis: shared-token.ts). */
  useUntilMs?: number | undefined;
}

/** Where SEPM's tokens come from: this process's own login (TokenManager) or the deployment's (SharedTokens). */
export interface TokenSource {
  get(): Promise<string>;
  invalidate(token: string): Promise<void>;
  /** Logins actually sent to SEPM by this process. */
  readonly logins: number;
}

/**
 * Epoch ms after which a token issued at `issuedAt` (ms) with SEPM's `tokenExpiration` (s) is refreshed. A margin
 * larger than the lifetime would make every call log in; at least half the lifetime is kept.
 */
export function tokenUseUntil(issuedAt: number, tokenExpiration: number | undefined, refreshMarginSec: number): number {
  const lifetimeSec =
    typeof tokenExpiration === 'number' && tokenExpiration > 0 ? tokenExpiration : DEFAULT_TOKEN_LIFETIME_SEC;
  return issuedAt + (lifetimeSec - Math.min(refreshMarginSec, lifetimeSec / 2)) * 1000;
}

export interface TokenManagerOptions {
  login: () => Promise<LoginResult>;
  refreshMarginSec: number;
  /** How long a refused login (401/403) is answered from memory without asking SEPM again, ms. */
  authFailureBackoffMs: number;
  now?: () => number;
}

export class TokenManager implements TokenSource {
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
  async invalidate(token: string): Promise<void> {
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
    this.token = result.token;
    this.expiresAt = result.useUntilMs ?? tokenUseUntil(this.now(), result.tokenExpiration, this.opts.refreshMarginSec);
    return result.token;
  }
}

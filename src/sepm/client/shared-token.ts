import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { TokenManager, tokenUseUntil, type LoginResult, type TokenSource } from './token-manager.ts';

/**
 * One SEPM token for the whole deployment (every enrich process on the Redis prefix), so N enrich hosts hold one
 * SEPM session, not N. The token is kept in Redis encrypted (AES-256-GCM, key derived with HKDF from the SEPM
 * password and the account: a Redis reader without the password cannot use it) and is never logged. One process
 * logs in at a time (a lock with a lease); the others wait for its token. A 401 drops the shared token only if it
 * is still the one that failed, so one process logs in again, not every process that saw the 401. A refused login
 * is shared too, for the back-off period, so a wrong password never turns into one login loop per process.
 * Described in docs/operations.md "The SEPM budget".
 */

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const POLL_MS = 25;

export interface SharedTokensOptions {
  redis: Redis;
  prefix: string;
  /** Who logs in: host, port, domain, user name (part of the key) and the password (the encryption key). */
  account: { host: string; port: number; domain: string; username: string; password: string };
  /** The real SEPM login. */
  login: () => Promise<LoginResult>;
  refreshMarginSec: number;
  authFailureBackoffMs: number;
  /** Longest a login may take, ms: the lock's lease and how long the others wait for it. */
  loginTimeoutMs: number;
  now?: () => number;
}

interface StoredToken {
  token: string;
  useUntilMs: number;
}

export class SharedTokens implements TokenSource {
  private readonly local: TokenManager;
  private readonly opts: SharedTokensOptions;
  private readonly key: string;
  private readonly cryptoKey: Buffer;
  private readonly now: () => number;
  /** The stored (encrypted) value each token was read or written as: a 401 deletes exactly that value. */
  private readonly stored = new Map<string, string>();
  logins = 0;

  constructor(opts: SharedTokensOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    const a = opts.account;
    const who = `${a.host}\u0000${a.port}\u0000${a.domain}\u0000${a.username}`;
    this.key = `${opts.prefix}:sepm:token:${createHash('sha256').update(who).digest('hex').slice(0, 24)}`;
    this.cryptoKey = Buffer.from(hkdfSync('sha256', a.password, who, 'sepm-intake shared SEPM token', 32));
    this.local = new TokenManager({
      login: () => this.obtain(),
      refreshMarginSec: opts.refreshMarginSec,
      authFailureBackoffMs: opts.authFailureBackoffMs,
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  get(): Promise<string> {
    return this.local.get();
  }

  async invalidate(token: string): Promise<void> {
    await this.local.invalidate(token);
    const value = this.stored.get(token);
    this.stored.delete(token);
    if (value !== undefined) await this.opts.redis.eval(COMPARE_AND_DELETE, 1, this.key, value);
  }

  /** The deployment's token: from Redis, or from this process's login when none is there and it wins the lock. */
  private async obtain(): Promise<LoginResult> {
    const { redis, loginTimeoutMs } = this.opts;
    const deadline = this.now() + 2 * loginTimeoutMs;
    const lockId = randomBytes(8).toString('hex');
    for (;;) {
      const shared = await this.read();
      if (shared) return shared;
      await this.throwIfRefused();
      if ((await redis.set(`${this.key}:login`, lockId, 'PX', loginTimeoutMs, 'NX')) === 'OK') {
        try {
          return (await this.read()) ?? (await this.loginAndStore());
        } finally {
          await redis.eval(COMPARE_AND_DELETE, 1, `${this.key}:login`, lockId).catch(() => undefined);
        }
      }
      if (this.now() > deadline) {
        throw new AppError(ErrorCodes.SEPM_TIMEOUT, `no SEPM token from another process within ${loginTimeoutMs} ms`, {
          retryable: true,
        });
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async loginAndStore(): Promise<LoginResult> {
    this.logins++;
    let result: LoginResult;
    try {
      result = await this.opts.login();
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCodes.SEPM_AUTH_FAILED) {
        await this.opts.redis.set(`${this.key}:refused`, err.message, 'PX', this.opts.authFailureBackoffMs);
      }
      throw err;
    }
    // An empty token is refused by the TokenManager; nothing to share.
    if (typeof result.token !== 'string' || result.token.trim() === '') return result;
    const now = this.now();
    const useUntilMs = tokenUseUntil(now, result.tokenExpiration, this.opts.refreshMarginSec);
    const value = this.seal({ token: result.token, useUntilMs });
    if (useUntilMs > now) await this.opts.redis.set(this.key, value, 'PX', Math.ceil(useUntilMs - now));
    this.remember(result.token, value);
    return { token: result.token, useUntilMs };
  }

  private async read(): Promise<LoginResult | undefined> {
    const value = await this.opts.redis.get(this.key);
    if (value === null) return undefined;
    const t = this.open(value);
    // Unreadable (another password, a corrupt value) or stale: as if there were none; the next login overwrites it.
    if (!t || t.useUntilMs <= this.now()) return undefined;
    this.remember(t.token, value);
    return { token: t.token, useUntilMs: t.useUntilMs };
  }

  private async throwIfRefused(): Promise<void> {
    const refused = await this.opts.redis.get(`${this.key}:refused`);
    if (refused !== null) throw new AppError(ErrorCodes.SEPM_AUTH_FAILED, refused, { retryable: false });
  }

  private remember(token: string, value: string): void {
    // Only the latest few matter (the current token and one that may still be answering 401).
    if (this.stored.size > 4) this.stored.clear();
    this.stored.set(token, value);
  }

  private seal(t: StoredToken): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.cryptoKey, iv);
    const ct = Buffer.concat([cipher.update(JSON.stringify(t), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }

  private open(value: string): StoredToken | undefined {
    try {
      const buf = Buffer.from(value, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.cryptoKey, buf.subarray(0, 12));
      decipher.setAuthTag(buf.subarray(12, 28));
      const text = Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
      const o = JSON.parse(text) as Partial<StoredToken>;
      return typeof o.token === 'string' && typeof o.useUntilMs === 'number'
        ? { token: o.token, useUntilMs: o.useUntilMs }
        : undefined;
    } catch {
      return undefined;
    }
  }
}

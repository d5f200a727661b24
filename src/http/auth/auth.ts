import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HttpConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { hashPassword, safeEqual, verifyPassword } from './password.ts';

/**
 * Who may use the web role: users (scrypt hashes) and bearer tokens from config, server-side sessions for the
 * browser, and a limiter for failed logins. Sessions and the limiter live in Redis (shared-state.ts), so web
 * replicas need no sticky sessions and a restart logs no one out.
 */

export type Role = 'readonly' | 'operator';
export interface Principal {
  name: string;
  role: Role;
  /** How the request authenticated. */
  via: 'session' | 'basic' | 'bearer';
}

interface UserEntry {
  name: string;
  hash: string;
  role: Role;
}
interface TokenEntry {
  name: string;
  token: string;
  role: Role;
}

function readSecret(file: string, where: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new AppError(ErrorCodes.SECRET_FILE_UNREADABLE, `${where}: cannot read ${file}: ${(err as Error).message}`);
  }
}

const VERIFIED_TTL_MS = 5 * 60_000;

export class Credentials {
  private readonly users = new Map<string, UserEntry>();
  private readonly tokens: TokenEntry[] = [];
  /** Verified against when the user is unknown, so response time does not reveal which names exist. */
  private dummyHash = '';
  /**
   * Recently verified Basic credentials, keyed by an HMAC (per-process key) of name + password so no password is
   * kept: API clients sending Basic on every request pay scrypt (~200 ms) once per 5 minutes, not per call.
   */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private readonly cacheKey = randomBytes(32);

  constructor(cfg: HttpConfig) {
    for (const u of cfg.users) {
      const hash = u.passwordHash ?? (u.passwordHashFile ? readSecret(u.passwordHashFile, `http.users.${u.name}`) : '');
      if (!hash)
        throw new AppError(ErrorCodes.CONFIG_INVALID, `http.users.${u.name}: passwordHash or passwordHashFile`);
      this.users.set(u.name, { name: u.name, hash, role: u.role });
    }
    for (const t of cfg.tokens) {
      const token = t.token ?? (t.tokenFile ? readSecret(t.tokenFile, `http.tokens.${t.name}`) : '');
      // Short tokens are guessable; 16 characters is the least we accept.
      if (token.length < 16) throw new AppError(ErrorCodes.CONFIG_INVALID, `http.tokens.${t.name}: token too short`);
      this.tokens.push({ name: t.name, token, role: t.role });
    }
  }

  async init(): Promise<void> {
    this.dummyHash = await hashPassword(randomBytes(16).toString('hex'));
  }

  get empty(): boolean {
    return this.users.size === 0 && this.tokens.length === 0;
  }

  async checkPassword(name: string, password: string, now = Date.now()): Promise<Principal | undefined> {
    const key = createHmac('sha256', this.cacheKey).update(`${name}\u0000${password}`).digest('base64');
    const hit = this.verified.get(key);
    if (hit && hit.until > now) return hit.principal;
    const user = this.users.get(name);
    const ok = await verifyPassword(password, user?.hash ?? this.dummyHash);
    if (!ok || !user) return undefined;
    const principal: Principal = { name: user.name, role: user.role, via: 'basic' };
    if (this.verified.size >= 1000) this.verified.clear();
    this.verified.set(key, { principal, until: now + VERIFIED_TTL_MS });
    return principal;
  }

  checkToken(token: string): Principal | undefined {
    let found: TokenEntry | undefined;
    // Compare against every token (no early exit) so timing says nothing about which one matched.
    for (const t of this.tokens) if (safeEqual(token, t.token) && !found) found = t;
    return found ? { name: found.name, role: found.role, via: 'bearer' } : undefined;
  }
}

export interface Session {
  id: string;
  principal: Principal;
  csrf: string;
  expiresAt: number;
}

/**
 * The limiter's key: client address and the user name tried (bearer tokens share the name `(token)`), the name
 * cut to 128 characters so 10,000 keys stay small however long the names sent.
 */
export function limiterKey(ip: string, user: string | undefined): string {
  return `${ip}\u0000${user === undefined ? '(token)' : user.slice(0, 128)}`;
}

import { randomBytes } from 'node:crypto';
import type { SimContext, SimRequest, SimResponse } from './http-kit.ts';
import { asRecord, json, SimHttpError } from './http-kit.ts';

interface Session {
  csrf: string;
  email: string;
  userId: number;
}

/** API-key (Basic) and legacy session (JSESSIONID cookie + X-sess-id) authentication. */
export class SimAuth {
  private readonly apiKeyId: string;
  private readonly apiKeySecret: string;
  private readonly users: { email: string; password: string }[];
  private readonly sessions = new Map<string, Session>();

  constructor(apiKeyId: string, apiKeySecret: string, users: { email: string; password: string }[]) {
    this.apiKeyId = apiKeyId;
    this.apiKeySecret = apiKeySecret;
    this.users = users;
  }

  /** Drops every session, as a server restart or session timeout would (clients must log in again). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Throws 401 unless the request carries a valid key or a live session with the matching X-sess-id. */
  check(req: SimRequest): { kind: 'key' } | { kind: 'session'; session: Session } {
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Basic ')) {
      const [id, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (id === this.apiKeyId && rest.join(':') === this.apiKeySecret) return { kind: 'key' };
      throw new SimHttpError(401, 'Invalid API key credentials');
    }
    const sid = cookie(req, 'JSESSIONID');
    const session = sid ? this.sessions.get(sid) : undefined;
    if (!session) throw new SimHttpError(401, 'Not authenticated');
    if (req.headers['x-sess-id'] !== session.csrf) throw new SimHttpError(401, 'Missing or invalid X-sess-id header');
    return { kind: 'session', session };
  }

  login(ctx: SimContext, req: SimRequest): SimResponse {
    const body = asRecord(json(req), 'session body');
    const idx = this.users.findIndex((u) => u.email === body.email && u.password === body.password);
    if (idx < 0) throw new SimHttpError(401, 'The email address or password you entered is incorrect.');
    const sid = randomBytes(16).toString('hex');
    const session: Session = { csrf: randomBytes(16).toString('hex'), email: String(body.email), userId: idx + 1 };
    this.sessions.set(sid, session);
    return {
      status: 200,
      headers: { 'set-cookie': `JSESSIONID=${sid}; Path=/; Secure; HttpOnly` },
      body: sessionBody(ctx, session),
    };
  }

  logout(req: SimRequest): SimResponse {
    const sid = cookie(req, 'JSESSIONID');
    if (sid) this.sessions.delete(sid);
    return { status: 204 };
  }
}

export function sessionBody(ctx: SimContext, session?: Session): Record<string, unknown> {
  const orgs = ctx.orgs.map((o) => ({ ...o, perms: { administrator: false }, effective_permissions: [] }));
  if (session) {
    return {
      csrf_token: session.csrf,
      user_id: session.userId,
      user_email: session.email,
      user_fname: 'Sim',
      user_lname: 'User',
      orgs,
      session_ip: '127.0.0.1',
      is_saml: false,
      is_ldap: false,
      saml_alias: null,
    };
  }
  return {
    api_key_handle: 7,
    client_id: 'sim-client',
    display_name: 'sepm-intake key',
    csrf_token: randomBytes(8).toString('hex'),
    user_id: null,
    password_expiration_date: null,
    orgs,
  };
}

function cookie(req: SimRequest, name: string): string | undefined {
  const raw = req.headers.cookie;
  if (typeof raw !== 'string') return undefined;
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

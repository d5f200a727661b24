import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

/**
 * A local OAuth2 authorization server for tests: a token endpoint (RFC 6749: client_credentials and
 * refresh_token grants, form-encoded POST) that issues short-lived opaque tokens, and an introspection endpoint
 * (RFC 7662, what Dovecot's oauth2 passdb asks) that reports a token active only until it expires.
 */
export interface FakeOAuth {
  tokenUrl: string;
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Every token issued, in order, with its expiry (epoch ms). */
  issued: { token: string; user: string; expiresAt: number; grant: string }[];
  /** Introspection answers given, active or not. */
  introspections: { token: string; active: boolean }[];
  close(): Promise<void>;
}

export async function startFakeOAuth(opts: { user: string; lifetimeSec: number }): Promise<FakeOAuth> {
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(12).toString('hex');
  const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
  const issued: FakeOAuth['issued'] = [];
  const introspections: FakeOAuth['introspections'] = [];
  const server: Server = createServer((req, res) => {
    void readForm(req).then((form) => {
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/token') {
        const grant = form.get('grant_type') ?? '';
        const clientOk = form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
        const grantOk =
          grant === 'client_credentials' || (grant === 'refresh_token' && form.get('refresh_token') === refreshToken);
        if (!clientOk || !grantOk)
          return json(400, { error: 'invalid_grant', error_description: 'bad client or grant' });
        const token = `at-${randomBytes(16).toString('hex')}`;
        issued.push({ token, user: opts.user, expiresAt: Date.now() + opts.lifetimeSec * 1000, grant });
        return json(200, { access_token: token, token_type: 'Bearer', expires_in: opts.lifetimeSec });
      }
      if (req.url === '/introspect') {
        const token = form.get('token') ?? '';
        const t = issued.find((i) => i.token === token);
        const active = t !== undefined && Date.now() < t.expiresAt;
        introspections.push({ token, active });
        return json(200, active ? { active: true, username: t.user } : { active: false });
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    tokenUrl: `${base}/token`,
    introspectionUrl: `${base}/introspect`,
    clientId,
    clientSecret,
    refreshToken,
    issued,
    introspections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { oauth2Schema } from '../../../../src/config/schema.ts';
import { createTokenProvider, tokenRequestBody, tokenUrlOf } from '../../../../src/ingest/imap/oauth2.ts';

const ORIGIN = 'https://login.example';

function endpoint(answers: { status: number; body: Record<string, unknown> }[]): {
  agent: MockAgent;
  bodies: URLSearchParams[];
} {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const bodies: URLSearchParams[] = [];
  const pool = agent.get(ORIGIN);
  for (const a of answers) {
    pool.intercept({ path: '/token', method: 'POST' }).reply(({ body }) => {
      bodies.push(new URLSearchParams(String(body)));
      return {
        statusCode: a.status,
        data: JSON.stringify(a.body),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    });
  }
  return { agent, bodies };
}

const refreshCfg = oauth2Schema.parse({
  flow: 'refresh_token',
  tokenUrl: `${ORIGIN}/token`,
  clientId: 'cid',
  clientSecret: 'csecret',
  refreshToken: 'rt-1',
});

describe('OAuth2 token provider', () => {
  it('reuses a token until its renewal point, then refreshes with the newest refresh token', async () => {
    const { agent, bodies } = endpoint([
      { status: 200, body: { access_token: 'at-1', expires_in: 3600, refresh_token: 'rt-2' } },
      { status: 200, body: { access_token: 'at-2', expires_in: 3600 } },
    ]);
    let now = 1_000_000;
    const p = createTokenProvider('box', refreshCfg, () => now, agent);
    expect(await p.token()).toBe('at-1');
    now += 3_539_000; // 61 s before expiry: still good
    expect(await p.token()).toBe('at-1');
    now += 2_000; // inside the 60 s margin
    expect(await p.token()).toBe('at-2');
    expect(bodies.map((b) => Object.fromEntries(b))).toEqual([
      { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'csecret', refresh_token: 'rt-1' },
      // The endpoint rotated the refresh token: the new one is sent.
      { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'csecret', refresh_token: 'rt-2' },
    ]);
  });

  it('renews short-lived tokens at half their lifetime, and at once after invalidate()', async () => {
    const { agent } = endpoint([
      { status: 200, body: { access_token: 'a', expires_in: 4 } },
      { status: 200, body: { access_token: 'b', expires_in: 4 } },
      { status: 200, body: { access_token: 'c', expires_in: 4 } },
    ]);
    let now = 0;
    const p = createTokenProvider('box', refreshCfg, () => now, agent);
    expect(await p.token()).toBe('a');
    now = 1900;
    expect(await p.token()).toBe('a');
    now = 2000;
    expect(await p.token()).toBe('b');
    p.invalidate();
    expect(await p.token()).toBe('c');
  });

  it('asks once for concurrent callers', async () => {
    const { agent, bodies } = endpoint([{ status: 200, body: { access_token: 'only', expires_in: 3600 } }]);
    const p = createTokenProvider('box', refreshCfg, Date.now, agent);
    expect(await Promise.all([p.token(), p.token(), p.token()])).toEqual(['only', 'only', 'only']);
    expect(bodies).toHaveLength(1);
  });

  it("fails with IMAP_TOKEN_FAILED and the endpoint's error, never the secrets", async () => {
    const { agent } = endpoint([
      { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } },
    ]);
    const p = createTokenProvider('box', refreshCfg, Date.now, agent);
    const err = await p.token().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'IMAP_TOKEN_FAILED',
      retryable: false,
      message: `imap source box: token endpoint ${ORIGIN}/token: HTTP 400 invalid_grant: Token has been expired or revoked.`,
    });
    expect(String((err as Error).message)).not.toMatch(/rt-1|csecret/);
  });

  it('knows the endpoints and the Microsoft 365 scope of the named providers', () => {
    const ms = oauth2Schema.parse({
      flow: 'client_credentials',
      provider: 'microsoft',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: 'app',
      clientSecret: 's',
    });
    expect(tokenUrlOf(ms)).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(Object.fromEntries(tokenRequestBody(ms, undefined))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: 's',
      scope: 'https://outlook.office365.com/.default',
    });
    const google = oauth2Schema.parse({ flow: 'refresh_token', provider: 'google', clientId: 'g', refreshToken: 'r' });
    expect(tokenUrlOf(google)).toBe('https://oauth2.googleapis.com/token');
  });

  it('refuses incomplete or plain-text configurations', () => {
    const bad = (o: Record<string, unknown>): string[] =>
      oauth2Schema.safeParse(o).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(bad({ flow: 'refresh_token', tokenUrl: `${ORIGIN}/t`, clientId: 'c' })).toEqual(['refreshToken']);
    expect(bad({ flow: 'client_credentials', tokenUrl: `${ORIGIN}/t`, clientId: 'c' })).toEqual(['clientSecret']);
    expect(bad({ flow: 'client_credentials', provider: 'microsoft', clientId: 'c', clientSecret: 's' })).toEqual([
      'tenantId',
    ]);
    expect(
      bad({ flow: 'client_credentials', tokenUrl: 'http://idp.example/t', clientId: 'c', clientSecret: 's' }),
    ).toEqual(['tokenUrl']);
    expect(
      bad({ flow: 'client_credentials', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c', clientSecret: 's' }),
    ).toEqual([]);
  });
});

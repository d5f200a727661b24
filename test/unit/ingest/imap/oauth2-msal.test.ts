import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { oauth2Schema } from '../../../../src/config/schema.ts';
import { createTokenProvider } from '../../../../src/ingest/imap/oauth2.ts';

/** Entra's endpoints for one tenant, answered by undici's MockAgent: MSAL's real code, no network. */
function entra(tenant: string): { agent: MockAgent; tokenBodies: URLSearchParams[] } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const host = 'https://login.microsoftonline.com';
  const pool = agent.get(host);
  const tokenBodies: URLSearchParams[] = [];
  pool
    .intercept({ path: (p) => p.startsWith(`/${tenant}/v2.0/.well-known/openid-configuration`), method: 'GET' })
    .reply(200, {
      token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
      issuer: `${host}/${tenant}/v2.0`,
      jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
    })
    .persist();
  pool
    .intercept({ path: (p) => p.startsWith('/common/discovery/instance'), method: 'GET' })
    .reply(200, {
      tenant_discovery_endpoint: `${host}/${tenant}/v2.0/.well-known/openid-configuration`,
      metadata: [
        {
          preferred_network: 'login.microsoftonline.com',
          preferred_cache: 'login.windows.net',
          aliases: ['login.microsoftonline.com'],
        },
      ],
    })
    .persist();
  let n = 0;
  pool
    .intercept({ path: (p) => p.startsWith(`/${tenant}/oauth2/v2.0/token`), method: 'POST' })
    .reply(({ body }) => {
      tokenBodies.push(new URLSearchParams(String(body)));
      n += 1;
      return {
        statusCode: 200,
        data: JSON.stringify({
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `ms-at-${n}`,
        }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  return { agent, tokenBodies };
}

describe('Microsoft 365 client credentials through MSAL', () => {
  it('asks the tenant for an Exchange Online token, reuses it from the cache, and skips the cache after invalidate()', async () => {
    const { agent, tokenBodies } = entra('contoso.onmicrosoft.com');
    const cfg = oauth2Schema.parse({
      flow: 'client_credentials',
      provider: 'microsoft',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '11111111-2222-3333-4444-555555555555',
      clientSecret: 'app-secret',
    });
    const p = createTokenProvider('m365', cfg, Date.now, agent);
    expect(await p.token()).toBe('ms-at-1');
    expect(await p.token()).toBe('ms-at-1');
    p.invalidate();
    expect(await p.token()).toBe('ms-at-2');
    expect(tokenBodies).toHaveLength(2);
    expect(tokenBodies[0]!.get('grant_type')).toBe('client_credentials');
    expect(tokenBodies[0]!.get('client_id')).toBe('11111111-2222-3333-4444-555555555555');
    expect(tokenBodies[0]!.get('scope')).toContain('https://outlook.office365.com/.default');
  });
});

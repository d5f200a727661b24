/** Identity routes: login (UserToken), logout, current session, version (no auth). */
import type { SimCore } from './core.ts';
import { empty, ok, sepmError, type RequestCtx, type Reply, type Route } from './http.ts';
import { hexId, makeRng, mixSeed } from './rng.ts';

const V1 = ['v1'] as const;

function parseLogin(body: Buffer): { username: string; password: string; domain: string } | null {
  try {
    const v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (typeof v.username !== 'string' || typeof v.password !== 'string') return null;
    return { username: v.username, password: v.password, domain: typeof v.domain === 'string' ? v.domain : '' };
  } catch {
    return null;
  }
}

function authenticate(core: SimCore, ctx: RequestCtx): Reply {
  const creds = parseLogin(ctx.body);
  if (!creds) return sepmError(400);
  const domainId = core.domainByName(creds.domain);
  const user = core.opts.users.find(
    (u) => u.username.toLowerCase() === creds.username.toLowerCase() && core.domainByName(u.domain) === domainId,
  );
  // Wrong user, password or domain and locked accounts all answer 401 with the standard message.
  if (!domainId || !user || user.password !== creds.password || user.locked) return sepmError(401);
  core.state.stats.logins++;
  const { token } = core.issueToken(user, domainId);
  const domain = core.state.domains.find((d) => d.id === domainId);
  const adminId = hexId(makeRng(mixSeed(core.opts.seed, user.username.length, 9)));
  return ok({
    username: user.username,
    getfullName: user.username,
    domain: domain?.name ?? 'Default',
    domainid: domainId,
    adminId,
    token,
    tokenExpiration: core.opts.tokenLifetimeSec,
    refreshToken: hexId(makeRng(Date.now() >>> 0)),
    refreshTokenExpiration: core.opts.tokenLifetimeSec * 2,
    role: { bitMask: 8, title: 'sysadmin' },
    permissionSet: {
      reportingRights: true,
      groupRights: true,
      siteRights: true,
      remoteCommandRights: true,
      policyRights: true,
    },
    clientId: null,
    clientSecret: null,
    bannerTitle: null,
    bannerText: null,
    serverTime: Date.now(),
  });
}

export function identityRoutes(core: SimCore): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/identity/authenticate',
      versions: V1,
      auth: false,
      handler: (c) => authenticate(core, c),
    },
    {
      method: 'POST',
      pattern: '/identity/logout',
      versions: V1,
      auth: true,
      handler: (c) => {
        if (c.token) core.tokens.delete(c.token);
        return empty(204);
      },
    },
    {
      method: 'GET',
      pattern: '/sessions/currentuser',
      versions: V1,
      auth: true,
      handler: (c) => {
        const info = c.token ? core.tokens.get(c.token) : undefined;
        const domain = core.state.domains.find((d) => d.id === info?.domainId);
        return ok({
          username: info?.username ?? '',
          domain: domain?.name ?? 'Default',
          domainid: info?.domainId ?? '',
        });
      },
    },
    {
      method: 'GET',
      pattern: '/version',
      versions: V1,
      auth: false,
      handler: () => ok({ API_SEQUENCE: '240604011', API_VERSION: '14.3.9000', version: '14.3.25029.9000' }),
    },
  ];
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { startService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import {
  appendMails,
  mailboxState,
  makeAlertMail,
  startDovecot,
  startTcpProxy,
  testUser,
  waitUntil,
  type DovecotInstance,
  type TcpProxy,
} from '../helpers/dovecot.ts';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * OAuth2 that refreshes, against Dovecot's oauth2 passdb (XOAUTH2 / OAUTHBEARER) asking a local introspection
 * endpoint, with tokens that live 4 s: the token the watcher logged in with expires during the test, the connection
 * drops (a TCP proxy in front of Dovecot cuts it, as Microsoft 365 does when a session's token expires), and the
 * reconnect must log in with a fresh token — no mail lost.
 */
const LIFETIME_SEC = 4;
let tmp: string;
const prefixes: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ingest-oauth2-'));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(tmp, { recursive: true, force: true });
  for (const p of prefixes) await cleanupPrefix(p);
});

async function servers(user: string): Promise<{ oauth: FakeOAuth; dovecot: DovecotInstance; proxy: TcpProxy }> {
  const oauth = await startFakeOAuth({ user, lifetimeSec: LIFETIME_SEC });
  const dovecot = await startDovecot({ oauth2IntrospectionUrl: oauth.introspectionUrl });
  const proxy = await startTcpProxy(dovecot.port);
  cleanups.push(
    () => oauth.close(),
    () => dovecot.stop(),
    () => proxy.close(),
  );
  return { oauth, dovecot, proxy };
}

/** A config file whose OAuth2 secrets are in files of their own (clientSecretFile, refreshTokenFile). */
function configFile(
  d: DovecotInstance,
  port: number,
  o: FakeOAuth,
  user: string,
  flow: 'refresh_token' | 'client_credentials',
): string {
  const prefix = randomPrefix('oauth');
  prefixes.push(prefix);
  const secretFile = join(tmp, `${prefix}.secret`);
  const refreshFile = join(tmp, `${prefix}.refresh`);
  writeFileSync(secretFile, `${o.clientSecret}\n`, { mode: 0o600 });
  writeFileSync(refreshFile, `${o.refreshToken}\n`, { mode: 0o600 });
  const file = join(tmp, `${prefix}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      redis: { url: TEST_REDIS_URL, prefix },
      mail: {
        spool: { enabled: false },
        imap: [
          {
            name: 'alerts',
            host: d.host,
            port,
            user,
            caBundle: d.caFile,
            idleRefreshSec: 5,
            oauth2: {
              flow,
              tokenUrl: o.tokenUrl,
              clientId: o.clientId,
              clientSecretFile: secretFile,
              ...(flow === 'refresh_token' ? { refreshTokenFile: refreshFile } : {}),
            },
          },
        ],
      },
      soar: { embedded: { path: join(tmp, `${prefix}.db`) } },
    }),
  );
  return file;
}

async function loginWith(d: DovecotInstance, user: string, accessToken: string): Promise<'ok' | 'refused'> {
  const c = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: true,
    auth: { user, accessToken },
    tls: { ca: readFileSync(d.caFile) },
    logger: false,
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.logout();
    return 'ok';
  } catch {
    c.close();
    return 'refused';
  }
}

describe.each(['refresh_token', 'client_credentials'] as const)('IMAP with OAuth2 (%s flow)', (flow) => {
  it('logs in again with a fresh token after its token expired and the connection dropped; no mail lost', async () => {
    const user = testUser('oauth');
    const { oauth, dovecot, proxy } = await servers(user);
    const cfg = loadConfig({ file: configFile(dovecot, proxy.port, oauth, user, flow), env: {} });
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
    const incidents = async (): Promise<number> => (await service.soar!.listIncidents({ limit: 100 })).length;
    try {
      await appendMails(
        dovecot,
        user,
        Array.from({ length: 5 }, (_, i) => makeAlertMail(i, { tag: flow })),
      );
      await waitUntil(async () => (await incidents()) === 5, 20_000, '5 incidents with the first token');
      const first = oauth.issued[0]!;
      expect(first.grant).toBe(flow);
      // Let the session's token expire (the open session stays logged in), then cut the connection.
      await new Promise((r) => setTimeout(r, Math.max(0, first.expiresAt - Date.now()) + 300));
      await proxy.pause();
      await proxy.resume();
      await appendMails(
        dovecot,
        user,
        Array.from({ length: 5 }, (_, i) => makeAlertMail(5 + i, { tag: flow })),
      );
      await waitUntil(async () => (await incidents()) === 10, 30_000, '10 incidents after the reconnect');
      // Mail is marked done (\Seen) only after its intake job finished, a moment after its incident exists.
      await waitUntil(
        async () => (await mailboxState(dovecot, user)).unseen.length === 0,
        15_000,
        'every mail marked done',
      );
      expect(await mailboxState(dovecot, user)).toEqual({ exists: 10, unseen: [] });
      expect(oauth.issued.length).toBeGreaterThanOrEqual(2);
      // The reconnect was let in with a token issued after the first one expired.
      const accepted = oauth.introspections.filter((i) => i.active).map((i) => i.token);
      expect(accepted.some((t) => t !== first.token)).toBe(true);
      // Last, because a refused login makes Dovecot slow down the next ones from this address (auth penalty).
      expect(await loginWith(dovecot, user, first.token)).toBe('refused');
    } finally {
      await service.stop(5000);
    }
  }, 90_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { toImapError } from '../../src/ingest/imap/client.ts';
import { ensureFolders } from '../../src/ingest/imap/folders.ts';
import { startService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { startCyrus, type CyrusInstance } from '../helpers/cyrus.ts';
import { appendMails, imapSourceFor, mailboxState, makeAlertMail, testUser, waitUntil } from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * The IMAP ingest against Cyrus 3.6 as Debian ships it (test/helpers/cyrus.ts): CREATE of an existing folder is
 * a plain `NO Mailbox already exists` (no [ALREADYEXISTS]), and without idled IDLE reports new mail only every 60 s.
 */
let cyrus: CyrusInstance;
let tmp: string;
const prefixes: string[] = [];

beforeAll(async () => {
  cyrus = await startCyrus();
  tmp = mkdtempSync(join(tmpdir(), 'ingest-cyrus-'));
}, 60_000);

afterAll(async () => {
  await cyrus?.stop();
  rmSync(tmp, { recursive: true, force: true });
  for (const p of prefixes) await cleanupPrefix(p);
});

function config(user: string, source: Record<string, unknown> = {}): Config {
  const prefix = randomPrefix('cyrus');
  prefixes.push(prefix);
  return configSchema.parse({
    redis: { url: TEST_REDIS_URL, prefix },
    mail: {
      spool: { enabled: false },
      imap: [
        imapSourceFor(cyrus, 'alerts', user, { processedFolder: 'processed', ignoredFolder: 'ignored', ...source }),
      ],
    },
    soar: { embedded: { path: join(tmp, `${prefix}.db`) } },
  });
}

async function userClient(user: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: cyrus.host,
    port: cyrus.port,
    secure: true,
    auth: { user, pass: cyrus.password },
    tls: { ca: readFileSync(cyrus.caFile) },
    logger: false,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

describe('IMAP ingest against Cyrus (Debian cyrus-imapd, stock settings)', () => {
  it('accepts folders that already exist, and names the server answer when a CREATE really fails', async () => {
    const user = testUser('fold');
    await cyrus.addUser(user);
    const c = await userClient(user);
    try {
      await ensureFolders(c, ['sepm-intake-quarantine', 'processed']);
      // The second session's CREATE is answered NO without [ALREADYEXISTS]; the folder list shows it exists.
      await ensureFolders(c, ['sepm-intake-quarantine', 'processed']);
      expect((await c.list()).map((m) => m.path).sort()).toEqual([
        'INBOX',
        'INBOX.processed',
        'INBOX.sepm-intake-quarantine',
      ]);
      const failed = await ensureFolders(c, ['bad%name']).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(toImapError(failed, 'alerts').message).toMatch(
        /^imap source alerts: Command failed: CREATE → NO Invalid mailbox name/,
      );
    } finally {
      await c.logout().catch(() => c.close());
    }
  });

  it('reconnects after a Cyrus restart and every mail becomes an incident', async () => {
    const user = testUser('rst');
    await cyrus.addUser(user);
    const cfg = config(user);
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
    const incidents = async (): Promise<number> => (await service.soar!.listIncidents({ limit: 100 })).length;
    try {
      await appendMails(
        cyrus,
        user,
        Array.from({ length: 5 }, (_, i) => makeAlertMail(i, { tag: 'cyr' })),
      );
      await waitUntil(async () => (await incidents()) === 5, 30_000, '5 incidents before the restart');
      await cyrus.restart();
      await appendMails(
        cyrus,
        user,
        Array.from({ length: 10 }, (_, i) => makeAlertMail(5 + i, { tag: 'cyr' })),
      );
      await waitUntil(async () => (await incidents()) === 15, 60_000, '15 incidents after the restart');
      // The move to processedFolder follows the enqueue of each batch: the incidents can be there before it.
      await waitUntil(
        async () => (await mailboxState(cyrus, user, 'INBOX.processed')).exists === 15,
        15_000,
        'all 15 mails moved to INBOX.processed',
      );
      expect(await mailboxState(cyrus, user)).toEqual({ exists: 0, unseen: [] });
      expect(service.sources()).toEqual([expect.objectContaining({ name: 'alerts', state: 'active' })]);
    } finally {
      await service.stop(5000);
    }
  }, 120_000);

  it('turns mail into an incident within seconds although Cyrus holds EXISTS back inside IDLE', async () => {
    const user = testUser('lat');
    await cyrus.addUser(user);
    // The default liveness NOOP (240 s), not the 5 s of the other tests, which would hide a missing poll.
    const cfg = config(user, { idleRefreshSec: 240 });
    const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
    try {
      await waitUntil(() => service.sources()[0]?.state === 'active', 15_000, 'watcher active');
      const latencies: number[] = [];
      for (let i = 0; i < 3; i++) {
        // Past the 3 s hot-poll window after the previous mail, so the watcher is back in IDLE.
        await new Promise((r) => setTimeout(r, 4000));
        const t0 = Date.now();
        await appendMails(cyrus, user, [makeAlertMail(i, { tag: 'lat' })]);
        // Cyrus's own IDLE look comes every 60 s: without the NOOP poll this waits ~30 s on average.
        await waitUntil(
          async () => (await service.soar!.listIncidents({ limit: 10 })).length === i + 1,
          10_000,
          `incident ${i + 1}`,
        );
        latencies.push(Date.now() - t0);
      }
      expect(latencies.every((ms) => ms < 10_000)).toBe(true);
    } finally {
      await service.stop(5000);
    }
  }, 90_000);
});

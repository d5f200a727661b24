/**
 * Mail-to-incident latency on Dovecot and on Cyrus, for mail that arrives one at a time after a quiet spell (the
 * common SEPM case, and the one where the server's IDLE behaviour decides). Real servers (private instances:
 * test/helpers/dovecot.ts, test/helpers/cyrus.ts) + real Redis + embedded store, watcher and intake worker in one
 * process. Run as root: `node --import tsx bench/imap-servers.ts [--count 20] [--gap 4000] [--baseline 3]`.
 *  - with the NOOP poll inside IDLE (idlePollMs 1000, the default): --count mails, --gap ms apart (past the 3 s
 *    hot-poll window after a mail, so each one finds the watcher in IDLE);
 *  - the same with idlePollMs 0 (IDLE alone), --baseline mails: the ratio shows what the poll buys per server.
 * Latency = from the start of the APPEND to the intake job's `completed` event (the incident is stored).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QueueEvents } from 'bullmq';
import { configSchema } from '../src/config/schema.ts';
import { buildIntakeJob } from '../src/jobs/intake-queue.ts';
import { startService } from '../src/main.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { QueueNames } from '../src/jobs/queues.ts';
import { startCyrus, type CyrusInstance } from '../test/helpers/cyrus.ts';
import { imapFor, imapSourceFor, makeAlertMail, startDovecot, type DovecotInstance } from '../test/helpers/dovecot.ts';
import { cleanupPrefix, randomPrefix } from '../test/helpers/redis.ts';

const REDIS_URL = process.env.SEPM_INTAKE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    gap: { type: 'string', default: '4000' },
    baseline: { type: 'string', default: '3' },
  },
});
const COUNT = Number(values.count);
const GAP_MS = Number(values.gap);
const BASELINE = Number(values.baseline);
/** Longer than Cyrus's 60 s IDLE look, so IDLE alone still gets every mail. */
const WAIT_MS = 90_000;

const tmp = mkdtempSync(join(tmpdir(), 'bench-imap-servers-'));
const prefixes: string[] = [];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function sparse(
  server: DovecotInstance,
  label: string,
  user: string,
  count: number,
  idlePollMs: number,
): Promise<number[]> {
  const prefix = randomPrefix('bench');
  prefixes.push(prefix);
  const cfg = configSchema.parse({
    redis: { url: REDIS_URL, prefix },
    mail: {
      spool: { enabled: false },
      imap: [imapSourceFor(server, 'bench', user, { idleRefreshSec: 240, idlePollMs })],
    },
    soar: { embedded: { path: join(tmp, `${prefix}.db`) } },
    log: { level: 'silent' },
  });
  const service = await startService({ config: cfg, roles: ['watcher', 'worker'], logger: silentLogger });
  const done = new Map<string, number>();
  const events = new QueueEvents(QueueNames.intake, { connection: { url: REDIS_URL }, prefix });
  events.on('completed', ({ jobId }) => done.set(jobId, Date.now()));
  await events.waitUntilReady();
  const lane = await imapFor(server, user);
  const lat: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      await new Promise((r) => setTimeout(r, GAP_MS));
      const tag = `${label}-${idlePollMs}`;
      const mail = makeAlertMail(i, { tag });
      const { jobId } = buildIntakeJob({
        raw: mail,
        messageId: `alert-${tag}-${i}@sepm01.sepmdomain.com`,
        origin: { kind: 'imap', source: 'bench' },
      });
      const t0 = Date.now();
      await lane.append('INBOX', mail);
      const end = t0 + WAIT_MS;
      while (!done.has(jobId) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      lat.push((done.get(jobId) ?? NaN) - t0);
    }
  } finally {
    await lane.logout().catch(() => lane.close());
    await events.close();
    await service.stop(10_000);
  }
  return lat.sort((a, b) => a - b);
}

const fmt = (l: number[]): string =>
  `p50 ${pct(l, 50).toFixed(0)} ms, p90 ${pct(l, 90).toFixed(0)} ms, max ${l[l.length - 1]!.toFixed(0)} ms (n=${l.length})`;

const servers: {
  label: string;
  start: () => Promise<DovecotInstance>;
  user: (s: DovecotInstance) => Promise<string>;
}[] = [
  { label: 'dovecot', start: startDovecot, user: async () => 'bench-dovecot' },
  {
    label: 'cyrus',
    start: startCyrus,
    user: async (s) => {
      await (s as CyrusInstance).addUser('bench-cyrus');
      return 'bench-cyrus';
    },
  },
];
try {
  for (const { label, start, user } of servers) {
    const server = await start();
    try {
      const name = await user(server);
      const polled = await sparse(server, label, name, COUNT, 1000);
      console.log(`${label}: APPEND → incident, one mail every ${GAP_MS} ms, idlePollMs 1000: ${fmt(polled)}`);
      if (BASELINE > 0) {
        const idleOnly = await sparse(server, label, name, BASELINE, 0);
        console.log(`${label}: same, idlePollMs 0 (IDLE alone): ${fmt(idleOnly)}`);
        console.log(`${label}: IDLE-alone / polled p50 ratio ${(pct(idleOnly, 50) / pct(polled, 50)).toFixed(1)}`);
      }
    } finally {
      await server.stop();
    }
  }
} finally {
  for (const p of prefixes) await cleanupPrefix(p);
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sepmSchema } from '../../src/config/schema.ts';
import { sepmConfigFor } from '../../src/enrich/start.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import { Redis } from 'ioredis';
import { openPostgresStore, type PostgresStore } from '../../src/soar/postgres/store.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { waitFor } from '../helpers/enrich-harness.ts';
import { dropSchema, pgSettings, randomSchema, TEST_POSTGRES_URL } from '../helpers/postgres.ts';
import { cleanupPrefix, randomPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

/**
 * Issue 15's "Done when": two hosts on one machine — separate processes, temp dirs and spools — sharing one Redis
 * and one PostgreSQL. 10 alerts × 3 mails spread over both hosts give exactly 10 incidents (3 occurrences each),
 * every endpoint-details row lands on its own alert's incident, and no job fails.
 */

const BIN = resolve(import.meta.dirname, '../../bin/sepm-intake.js');
const prefix = randomPrefix('two-hosts');
const schema = randomSchema('two_hosts');
const dirs: string[] = [];
const hosts: ChildProcess[] = [];

function alertMail(computer: string, ip: string, n: number): Buffer {
  const body = [
    'At least one security risk found:',
    '',
    'Risk name: Trojan.Gen.NPE',
    `File path: C:\\Users\\alice\\AppData\\Local\\Temp\\${computer}.exe`,
    'Event time: Jun 26, 2024 7:02:34 AM',
    'Source: Auto-Protect scan',
    `Computer: ${computer}`,
    `IP Address: ${ip}`,
    'Domain: Default',
    'Server: SEPM-SERVER',
    'Client Group: My Company\\Workstations',
    'Action taken on risk: Left alone',
  ].join('\r\n');
  const headers = [
    'From: "Symantec Endpoint Protection Manager" <sepm@sepmdomain.com>',
    'To: SOC <soc@corp.example>',
    `Subject: Single Risk Event: machine ${computer} infected with Trojan.Gen.NPE, action Left alone`,
    'Date: Wed, 26 Jun 2024 07:05:03 -0700',
    `Message-ID: <two-hosts-${computer}-${n}@sepm01.sepmdomain.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].join('\r\n');
  return Buffer.from(`${headers}\r\n\r\n${body}\r\n`);
}

/** Starts one "host": its own temp dir, spool and process, on the shared Redis prefix and PostgreSQL schema. */
async function startHost(name: string, sim: SepmSim): Promise<{ spool: string }> {
  const dir = mkdtempSync(join(tmpdir(), `host-${name}-`));
  dirs.push(dir);
  const spool = join(dir, 'inbox');
  const config = {
    redis: { url: TEST_REDIS_URL, prefix },
    log: { level: 'warn' },
    mail: { spool: { dir: spool, pollMs: 100 } },
    soar: { kind: 'postgres', postgres: { url: TEST_POSTGRES_URL, schema, poolSize: 4 } },
    sepm: { ...sepmConfigFor(sepmSchema.parse({}), sim), pollIntervalSec: 0.05, pollMaxIntervalSec: 0.2 },
    enrich: { auto: { endpointDetails: true, eocScan: false, blacklistLookup: false } },
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'start', '--config', file, '--role', 'watcher,worker,enrich'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  hosts.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`host ${name} exited ${child.exitCode}: ${out}`);
    return out.includes('sepm-intake is running');
  }, 60_000);
  return { spool };
}

describe('two hosts on one Redis and one PostgreSQL', () => {
  let sim: SepmSim;
  let store: PostgresStore;

  beforeAll(async () => {
    sim = await startSepmSim({ computers: 30, commandStepMs: 20 });
    for (const c of sim.state.computers) c.onlineStatus = 1;
  });
  afterAll(async () => {
    for (const h of hosts) h.kill('SIGTERM');
    await Promise.all(
      hosts.map((h) => new Promise<void>((r) => (h.exitCode === null ? h.once('exit', () => r()) : r()))),
    );
    await store?.close();
    await sim?.stop();
    await cleanupPrefix(prefix);
    await dropSchema(schema);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('10 alerts × 3 mails → 10 incidents, every endpoint row on its own incident, no job failed', async () => {
    const [a, b] = [await startHost('a', sim), await startHost('b', sim)];
    const victims = sim.state.computers.filter((c) => c.os === 'windows').slice(0, 10);
    expect(victims).toHaveLength(10);
    // Mail n of alert i goes to host (i + n) % 2: every alert is seen by both hosts.
    victims.forEach((v, i) => {
      for (let n = 0; n < 3; n++) {
        const spool = (i + n) % 2 === 0 ? a.spool : b.spool;
        const tmp = join(spool, `.${v.computerName}-${n}.tmp`);
        writeFileSync(tmp, alertMail(v.computerName, v.ipAddress, n));
        renameSync(tmp, join(spool, `${v.computerName}-${n}.eml`));
      }
    });
    store = await openPostgresStore(pgSettings(schema));
    const incidents = await waitFor(async () => {
      const { incidents: list } = await store.searchIncidents({ limit: 100 });
      const total = list.reduce((s, i) => s + i.occurrences, 0);
      return total >= 30 ? list : undefined;
    }, 60_000);
    expect(incidents).toHaveLength(10);
    expect(incidents.every((i) => i.occurrences === 3)).toBe(true);
    expect(new Set(incidents.map((i) => i.properties.sepm_computer))).toEqual(
      new Set(victims.map((v) => v.computerName)),
    );
    for (const inc of incidents) {
      const rows = await waitFor(async () => {
        const r = await store.listTableRows(inc.id, SepTables.endpointDetails);
        return r.length > 0 ? r : undefined;
      }, 60_000);
      expect(rows.every((r) => r.cells.computerName === inc.properties.sepm_computer)).toBe(true);
    }
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    try {
      for (const name of Object.values(QueueNames)) {
        const q = new Queue(name, { connection: redis, prefix });
        expect((await q.getJobCounts('failed')).failed, `failed jobs in ${name}`).toBe(0);
        await q.close();
      }
    } finally {
      redis.disconnect();
    }
  });
});

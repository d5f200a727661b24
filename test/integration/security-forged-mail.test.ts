import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, sepmSchema } from '../../src/config/schema.ts';
import { sepmConfigFor } from '../../src/enrich/start.ts';
import type { IntakeResult } from '../../src/intake/worker.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { waitUntil } from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * Issue 10 item 1 end to end: automatic quarantine on, `senderAuth.trustedRelays: [10.1.2.3]`. An Internet sender
 * (203.0.113.66) that says `EHLO [10.1.2.3]` gets `Received: from [10.1.2.3] (unknown [203.0.113.66]) by …
 * (Postfix)` from our border MTA; that mail must not quarantine anything. The same alert really relayed by
 * 10.1.2.3 must (so this test can fail).
 */

function alertMail(computer: string, ip: string, received: string, id: string): Buffer {
  const body = [
    'At least one security risk found:',
    '',
    'Risk name: Trojan.Gen.NPE',
    'File path: C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.exe',
    'Event time: Jun 26, 2024 7:02:34 AM',
    'Source: Auto-Protect scan',
    `Computer: ${computer}`,
    `IP Address: ${ip}`,
    'Client Group: My Company\\Workstations',
    'Action taken on risk: Left alone',
  ].join('\r\n');
  const headers = [
    `Received: from mx.corp.example (mx.corp.example [10.0.0.5])\r\n\tby mbox.corp.example (Postfix) with LMTP id 7F1; Wed, 26 Jun 2024 07:05:04 -0700`,
    `Received: ${received}\r\n\tby mx.corp.example (Postfix) with ESMTP id ${id}; Wed, 26 Jun 2024 07:05:03 -0700`,
    'From: "Symantec Endpoint Protection Manager" <sepm@sepmdomain.com>',
    'To: SOC <soc@corp.example>',
    `Subject: Single Risk Event: machine ${computer} infected with Trojan.Gen.NPE, action Left alone`,
    'Date: Wed, 26 Jun 2024 07:05:03 -0700',
    `Message-ID: <forged-${id}@sepm01.sepmdomain.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].join('\r\n');
  return Buffer.from(`${headers}\r\n\r\n${body}\r\n`);
}

describe('a forged Received header cannot obtain automatic containment', () => {
  let sim: SepmSim;
  let service: RunningService;
  let intake: Queue<unknown, IntakeResult>;
  let tmp: string;
  const prefix = randomPrefix('forged');

  beforeAll(async () => {
    sim = await startSepmSim({ computers: 20, commandStepMs: 20 });
    for (const c of sim.state.computers) c.onlineStatus = 1;
    tmp = mkdtempSync(join(tmpdir(), 'forged-'));
    const config = configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      mail: { spool: { dir: join(tmp, 'inbox'), pollMs: 100 }, imap: [] },
      senderAuth: { trustedRelays: ['10.1.2.3'] },
      policy: { actions: { quarantine: { auto: true, hourlyCap: 5 } } },
      enrich: { auto: { endpointDetails: false, eocScan: false, blacklistLookup: false } },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      sepm: { ...sepmConfigFor(sepmSchema.parse({}), sim), pollIntervalSec: 0.05, pollMaxIntervalSec: 0.2 },
    });
    service = await startService({ config, roles: ['watcher', 'worker', 'enrich'], logger: silentLogger });
    intake = new Queue(QueueNames.intake, { connection: { url: TEST_REDIS_URL }, prefix });
  });

  afterAll(async () => {
    await intake?.close();
    await service?.stop(10_000);
    await sim?.stop();
    await cleanupPrefix(prefix);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Drops a mail into the spool the way operators should: another name first, then rename to .eml. */
  function drop(name: string, raw: Buffer): void {
    writeFileSync(join(tmp, 'inbox', `${name}.part`), raw);
    renameSync(join(tmp, 'inbox', `${name}.part`), join(tmp, 'inbox', `${name}.eml`));
  }

  const results = async () => (await intake.getCompleted()).map((j) => j.returnvalue);
  const quarantines = (uniqueId: string) =>
    [...sim.state.commands.values()].filter(
      (c) => c.kind === 'quarantine' && c.entries.some((e) => e.computer.uniqueId === uniqueId),
    );

  it('EHLO [10.1.2.3] from 203.0.113.66: refused, no incident, no quarantine; really relayed: automatic quarantine', async () => {
    const windows = sim.state.computers.filter((c) => c.os === 'windows');
    const [forgedVictim, realVictim] = [windows[0]!, windows[1]!];
    const soar = service.soar as SoarClient;

    drop(
      'forged',
      alertMail(forgedVictim.computerName, forgedVictim.ipAddress, 'from [10.1.2.3] (unknown [203.0.113.66])', '1C3'),
    );
    await waitUntil(async () => (await results()).length === 1, 20_000, 'the forged mail processed');
    expect(await results()).toEqual([{ status: 'rejected', reason: 'sender_untrusted' }]);

    drop(
      'relayed',
      alertMail(
        realVictim.computerName,
        realVictim.ipAddress,
        'from sepm01.sepmdomain.com (sepm01.sepmdomain.com [10.1.2.3])',
        '4W8',
      ),
    );
    await waitUntil(async () => realVictim.quarantineStatus === 1, 30_000, 'automatic quarantine of the real one');
    const incidents = await soar.listIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.name).toContain(realVictim.computerName);
    let notes = '';
    await waitUntil(
      async () => {
        notes = (await soar.listNotes(incidents[0]!.id)).map((n) => n.text).join('\n');
        return notes.includes('By: policy (automatic)');
      },
      20_000,
      'the automatic containment note',
    );
    expect(notes).toContain(realVictim.computerName);

    // The forged alert's computer was never touched, and no incident mentions it.
    expect(forgedVictim.quarantineStatus).not.toBe(1);
    expect(quarantines(forgedVictim.uniqueId)).toEqual([]);
    expect(quarantines(realVictim.uniqueId).length).toBeGreaterThan(0);
    expect((await soar.listIncidents()).some((i) => i.name.includes(forgedVictim.computerName))).toBe(false);
  });
});

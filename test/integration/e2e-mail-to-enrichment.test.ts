import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, sepmSchema } from '../../src/config/schema.ts';
import { sepmConfigFor } from '../../src/enrich/start.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import {
  appendMails,
  imapSourceFor,
  startDovecot,
  testUser,
  waitUntil,
  type DovecotInstance,
} from '../helpers/dovecot.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * The whole product path through the composition root: a SEPM alert appended to a real IMAP mailbox → intake →
 * incident in the embedded store → automatic enrichment against the SEPM simulator over verified HTTPS →
 * endpoint-details row and an EOC scan tracked to completion into match rows.
 */

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function alertMail(computer: string, ip: string, path: string, hash: string): Buffer {
  const body = [
    'At least one security risk found:',
    '',
    'Risk name: Trojan.Gen.NPE',
    `File path: ${path}`,
    'Event time: Jun 26, 2024 7:02:34 AM',
    'Database insert time: Jun 26, 2024 7:03:30 AM',
    'Source: Auto-Protect scan',
    'Description:',
    'User: alice',
    `Computer: ${computer}`,
    `IP Address: ${ip}`,
    `Application hash: ${hash}`,
    'Hash type: SHA-256',
    'Domain: Default',
    'Server: SEPM-SERVER',
    'Client Group: My Company\\Workstations',
    'Action taken on risk: Left alone',
    '',
    'This alarm was generated at Jun 26, 2024 7:05:01 AM (Reporter host Time).',
  ].join('\r\n');
  const headers = [
    'From: "Symantec Endpoint Protection Manager" <sepm@sepmdomain.com>',
    'To: SOC <soc@corp.example>',
    `Subject: Single Risk Event: machine ${computer} infected with Trojan.Gen.NPE, action Left alone`,
    'Date: Wed, 26 Jun 2024 07:05:03 -0700',
    `Message-ID: <e2e-${hash.slice(0, 12)}@sepm01.sepmdomain.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].join('\r\n');
  return Buffer.from(`${headers}\r\n\r\n${body}\r\n`);
}

describe('mail in Dovecot → incident → automatic enrichment (all roles but web)', () => {
  let dovecot: DovecotInstance;
  let sim: SepmSim;
  let service: RunningService;
  let tmp: string;
  const prefix = randomPrefix('e2e');
  const user = testUser('e2e');

  beforeAll(async () => {
    dovecot = await startDovecot();
    sim = await startSepmSim({ computers: 40, commandStepMs: 20 });
    for (const c of sim.state.computers) c.onlineStatus = 1;
    tmp = mkdtempSync(join(tmpdir(), 'e2e-'));
    const config = configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      mail: { spool: { enabled: false }, imap: [imapSourceFor(dovecot, 'alerts', user)] },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      // The simulator's address, CA and credentials, as `npm start` wires its embedded one; fast polling.
      sepm: { ...sepmConfigFor(sepmSchema.parse({}), sim), pollIntervalSec: 0.05, pollMaxIntervalSec: 0.2 },
    });
    service = await startService({ config, roles: ['watcher', 'worker', 'enrich'], logger: silentLogger });
  });

  afterAll(async () => {
    await service?.stop(10_000);
    await sim?.stop();
    await dovecot?.stop();
    await cleanupPrefix(prefix);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('creates the incident with its artifacts and writes endpoint details and tracked EOC scan matches', async () => {
    const victim = sim.state.computers.find((c) => c.os === 'windows')!;
    const hash = sha256('e2e-dropper');
    const path = 'C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.exe';
    sim.plantFile(victim.uniqueId, { path, sha256: hash });
    const ip = victim.ipAddress;
    await appendMails(dovecot, user, [alertMail(victim.computerName, ip, path, hash)]);

    const soar = service.soar as SoarClient;
    let incidentId = 0;
    await waitUntil(
      async () => {
        const list = await soar.listIncidents();
        incidentId = list[0]?.id ?? 0;
        return list.length === 1;
      },
      30_000,
      'the incident',
    );
    const incident = await soar.getIncident(incidentId);
    expect(incident.name).toContain(victim.computerName);
    expect(incident.severity).toBe('High');
    const artifacts = (await soar.listArtifacts(incidentId)).map((a) => `${a.type}=${a.value}`);
    expect(artifacts).toEqual(
      expect.arrayContaining([
        `System Name=${victim.computerName}`,
        `File Path=${path}`,
        'File Name=invoice.exe',
        `Malware SHA-256 Hash=${hash}`,
        'Malware Family/Variant=Trojan.Gen.NPE',
      ]),
    );

    await waitUntil(
      async () => (await soar.listTableRows(incidentId, SepTables.endpointDetails)).length > 0,
      30_000,
      'endpoint details row',
    );
    const [details] = await soar.listTableRows(incidentId, SepTables.endpointDetails);
    expect(details!.cells).toMatchObject({ computerName: victim.computerName, uniqueId: victim.uniqueId });

    await waitUntil(
      async () =>
        (await soar.listTableRows(incidentId, SepTables.eocScanResults)).some(
          (r) => r.cells.computer_id === victim.uniqueId && r.cells.scan_command_state === 'Completed',
        ),
      60_000,
      'a completed EOC match row for the victim',
    );
    const match = (await soar.listTableRows(incidentId, SepTables.eocScanResults)).find(
      (r) => r.cells.computer_id === victim.uniqueId,
    )!;
    expect(match.cells).toMatchObject({ computer_name: victim.computerName, file_path: path });
    expect(['Hash match', 'Full match']).toContain(match.cells.scan_result);
    // Nothing destructive ran: the sender is not authenticated and no containment policy is enabled.
    expect(sim.state.stats.requests['POST /command-queue/quarantine'] ?? 0).toBe(0);
  });
});

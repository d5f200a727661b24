import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, dropFixtures } from '../../src/cli/commands/demo.ts';
import { startSepmSimulator } from '../../src/cli/demo.ts';
import { configSchema } from '../../src/config/schema.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { type SoarClient, type TableRow } from '../../src/soar/port.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * The demo shows results: `sepm-intake demo`'s configuration (simulator SEPM with the demo estate, demo user), the
 * fixture mails dropped into the spool, and within the poll the incidents carry endpoint-details rows and EOC scan
 * matches for the fixtures' own computers and files. The scan timeout is shortened here for test speed (the demo's
 * own 60 s gives the first match about 75 s after the mail, measured in the README).
 */

async function rowsOf(soar: SoarClient, table: string): Promise<TableRow[]> {
  const out: TableRow[] = [];
  for (const inc of await soar.listIncidents({ limit: 500 })) out.push(...(await soar.listTableRows(inc.id, table)));
  return out;
}

const LOCKBIT_HOSTS = ['WS-0311', 'WS-0312', 'WS-0318', 'LAPTOP-21', 'LAPTOP-34', 'WS-0420'];
const isMatch = (r: TableRow) => r.cells.scan_result === 'Hash match' || r.cells.scan_result === 'Full match';

describe('sepm-intake demo: fixture mails → endpoint details and scan matches', () => {
  let tmp: string;
  let service: RunningService;
  const prefix = randomPrefix('demo-results');

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'demo-results-'));
    mkdirSync(join(tmp, 'inbox'));
    const loaded = configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      mail: { spool: { dir: join(tmp, 'inbox'), pollMs: 200 } },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      http: { port: 0 },
      sepm: { scanTimeoutSec: 4, pollIntervalSec: 0.5, pollMaxIntervalSec: 1 },
    });
    const config = await demoConfig(loaded, { name: 'demo', password: 'demo-password-1', generated: false });
    expect(config.sepm.mode).toBe('simulator');
    expect(config.http.users.map((u) => [u.name, u.role])).toEqual([['demo', 'operator']]);
    service = await startService({ config, roles: ['all'], logger: silentLogger, sepmSimulator: startSepmSimulator });
  }, 60_000);

  afterAll(async () => {
    await service?.stop(5000);
    await cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('fills the incidents with endpoint details and EOC scan matches of the fixtures’ computers', async () => {
    const dropped = dropFixtures(service.spoolDir!);
    expect(dropped).toBeGreaterThanOrEqual(40);
    const soar = service.soar!;
    const deadline = Date.now() + 90_000;
    let endpoints: TableRow[] = [];
    let matches: TableRow[] = [];
    while (Date.now() < deadline) {
      endpoints = await rowsOf(soar, SepTables.endpointDetails);
      matches = (await rowsOf(soar, SepTables.eocScanResults)).filter(isMatch);
      const lockbitSeen = endpoints.some((r) => r.cells.computerName === 'WS-0311');
      if (lockbitSeen && matches.some((r) => LOCKBIT_HOSTS.includes(String(r.cells.computer_name)))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(endpoints.length).toBeGreaterThan(0);
    expect(matches.length).toBeGreaterThan(0);
    const names = new Set(endpoints.map((r) => String(r.cells.computerName).toUpperCase()));
    expect(names).toContain('WS-0311');
    const matched = matches.map((r) => String(r.cells.computer_name));
    expect(
      matched.some((n) => ['WS-0311', 'WS-0312', 'WS-0318', 'LAPTOP-21', 'LAPTOP-34', 'WS-0420'].includes(n)),
    ).toBe(true);
  }, 120_000);
});

/**
 * README walkthrough screenshots: `node --import tsx bench/demo-screenshots.ts` (needs Redis on 127.0.0.1:6379 and
 * Debian's Chromium at /usr/bin/chromium). Runs what `sepm-intake demo` runs (simulator SEPM with the demo estate,
 * the fixture mails in the spool, a demo user), with a 4 s scan timeout so it takes seconds, logs in with Chromium,
 * quarantines an endpoint and remediates a scan match from the review UI, and writes docs/img/demo-*.png.
 * Not a benchmark: bench/run.ts skips it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { demoConfig, dropFixtures } from '../src/cli/commands/demo.ts';
import { startSepmSimulator } from '../src/cli/demo.ts';
import { configSchema } from '../src/config/schema.ts';
import { startService } from '../src/main.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { type SoarClient } from '../src/soar/port.ts';
import { SepTables } from '../src/soar/sep-tables.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import { cleanupPrefix, randomPrefix, TEST_REDIS_URL } from '../test/helpers/redis.ts';

const OUT = fileURLToPath(new URL('../docs/img/', import.meta.url));
const USER = { name: 'demo', password: 'demo-password-1', generated: false };
const LOCKBIT = 'Ransom.Lockbit on WS-0311';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The Lockbit incident once its endpoint and a scan match are in. */
async function lockbitReady(soar: SoarClient): Promise<number | undefined> {
  const inc = (await soar.listIncidents({ limit: 500 })).find((i) => i.name.includes(LOCKBIT));
  if (!inc) return undefined;
  const scans = await soar.listTableRows(inc.id, SepTables.eocScanResults);
  const endpoints = await soar.listTableRows(inc.id, SepTables.endpointDetails);
  return endpoints.length > 0 && scans.some((r) => r.cells.scan_result === 'Hash match') ? inc.id : undefined;
}

async function shot(page: Page, name: string, selector?: string): Promise<void> {
  const path = join(OUT, `demo-${name}.png`);
  if (!selector) {
    await page.screenshot({ path });
  } else {
    // The element scrolled to the top, cut at the viewport's bottom: a table of many rows stays a small PNG.
    const el = page.locator(selector).first();
    await el.evaluate((e) => e.scrollIntoView());
    const box = await el.boundingBox();
    if (!box) throw new Error(`${selector} is not visible`);
    const height = Math.min(box.height, page.viewportSize()!.height - box.y);
    await page.screenshot({ path, clip: { x: box.x, y: box.y, width: box.width, height } });
  }
  process.stdout.write(`wrote ${path}\n`);
}

async function walkthrough(page: Page, base: string, incidentId: number, soar: SoarClient): Promise<void> {
  await page.goto(`${base}/incidents`);
  await page.fill('input[name=username]', USER.name);
  await page.fill('input[name=password]', USER.password);
  await shot(page, 'login');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/incidents`);
  await shot(page, 'incidents');
  await page.goto(`${base}/incidents/${incidentId}`);
  await shot(page, 'incident');
  await shot(page, 'endpoint-details', 'table[data-table="sep_endpoint_details"]');
  // Quarantine the host from its artifact row, then remediate the first hash match from its scan row.
  await page
    .locator('#artifacts tr', { hasText: 'System Name' })
    .filter({ hasText: 'WS-0311' })
    .locator('button[data-action="quarantine-endpoint"]')
    .first()
    .click();
  await page.waitForURL(`${base}/incidents/${incidentId}**`);
  const match = page.locator('table[data-table="sep_eoc_scan_results"] tr', { hasText: 'Hash match' }).first();
  await match.locator('button[data-action="remediate-artifact"]').click();
  await until('quarantine and remediation to finish', async () => {
    const endpoint = (await soar.listTableRows(incidentId, SepTables.endpointDetails))[0];
    const scans = await soar.listTableRows(incidentId, SepTables.eocScanResults);
    const remediated = scans.some(
      (r) => typeof r.cells.remediation_status === 'string' && /Compl|Succe/i.test(r.cells.remediation_status),
    );
    return endpoint?.cells.quarantine_command_state === 'Completed' && remediated ? true : undefined;
  });
  await page.goto(`${base}/incidents/${incidentId}`);
  await shot(page, 'endpoint-quarantined', 'table[data-table="sep_endpoint_details"]');
  await shot(page, 'scan-matches', 'table[data-table="sep_eoc_scan_results"]');
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'demo-shots-'));
  const prefix = randomPrefix('demo-shots');
  mkdirSync(join(tmp, 'inbox'));
  const loaded = configSchema.parse({
    redis: { url: TEST_REDIS_URL, prefix },
    log: { level: 'silent' },
    mail: { spool: { dir: join(tmp, 'inbox'), pollMs: 200 } },
    soar: { embedded: { path: join(tmp, 'incidents.db') } },
    http: { port: 0 },
    sepm: { scanTimeoutSec: 4, pollIntervalSec: 0.5, pollMaxIntervalSec: 1 },
  });
  const config = await demoConfig(loaded, USER);
  const service = await startService({
    config,
    roles: ['all'],
    logger: silentLogger,
    sepmSimulator: startSepmSimulator,
  });
  const browser = await launchChromium();
  try {
    dropFixtures(service.spoolDir!);
    const soar = service.soar!;
    const incidentId = await until('the Lockbit incident with endpoint details and a scan match', () =>
      lockbitReady(soar),
    );
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await walkthrough(page, service.webUrl!, incidentId, soar);
  } finally {
    await browser.close();
    await service.stop(5000);
    await cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();

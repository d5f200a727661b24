import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/http/auth/password.ts';
import { startHttpServer } from '../../src/http/server.ts';
import { analyzeMail, analyzeOptionsFromConfig } from '../../src/intake/analyze.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { mapToIncidents } from '../../src/intake/mapper.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startHarness, type Harness } from '../helpers/enrich-harness.ts';
import { testRuntime } from '../helpers/redis.ts';

/** The review UI in Debian's Chromium: login, incident from a fixture mail, a row action, Bull Board, escaping. */

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/emails/canonical-single-risk.eml');

describe('review UI in a browser', () => {
  let h: Harness;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  /** The canonical fixture mail with its computer (and optionally more) replaced, through parser and mapper. */
  async function incidentFromFixture(replace: [string, string][]): Promise<number> {
    let text = readFileSync(FIXTURE, 'utf8');
    for (const [from, to] of replace) text = text.split(from).join(to);
    const result = await analyzeMail(Buffer.from(text), analyzeOptionsFromConfig(h.config));
    expect(result.accepted).toBe(true);
    const [incident] = mapToIncidents(result.notification!, result.artifacts, result.mail);
    const r = await h.soar.findOrCreateIncident(incident!, { mergeWindowMs: 0 });
    return r.incident.id;
  }

  beforeAll(async () => {
    const users = [
      { name: 'ana', passwordHash: await hashPassword('ana-secret-pw', { N: 1024, r: 8, p: 1 }), role: 'operator' },
    ];
    h = await startHarness({ config: { http: { users } } });
    const web = await startHttpServer({
      config: { ...h.config, http: { ...h.config.http, port: 0 } },
      runtime: testRuntime(h.prefix),
      soar: h.soar,
      store: h.soar,
      logger: silentLogger,
      readiness: async () => ({}),
    });
    app = web.app;
    base = web.url;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await h?.close();
  });

  async function login(page: Page): Promise<void> {
    await page.goto(`${base}/incidents`);
    expect(page.url()).toContain('/login');
    await page.fill('input[name=username]', 'ana');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('Wrong user name or password');
    await page.fill('input[name=username]', 'ana');
    await page.fill('input[name=password]', 'ana-secret-pw');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/incidents`);
  }

  it('logs in, opens a fixture incident, gets endpoint details, sees the row and the job in Bull Board', async () => {
    const host = h.sim.state.computers[7]!.computerName;
    const incidentId = await incidentFromFixture([['TEST-ENDPOINT', host]]);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await login(page);
    await page.click(`a[href="/incidents/${incidentId}"]`);
    await page.waitForURL(`${base}/incidents/${incidentId}`);
    await expect(page.locator('pre.desc').first().textContent()).resolves.toContain('Trojan.Gen.NPE');
    const row = page.locator('#artifacts tr', { hasText: host }).filter({ hasText: 'System Name' });
    await row.locator('button[data-action="endpoint-details"]').click();
    // The page refreshes itself while the job runs; the row shows up once the job has written it.
    const cell = page.locator('table[data-table="sep_endpoint_details"] td', { hasText: host });
    await cell
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(async (err: unknown) => {
        // Say where it stuck (job state or failure reason) instead of only "timeout".
        throw new Error(
          `${String(err)}\njobs panel: ${await page
            .locator('#jobs')
            .textContent()
            .catch(() => '-')}`,
        );
      });
    await expect(page.locator('[data-job-state]').first().textContent()).resolves.toBe('completed');
    await page.screenshot({ path: '/tmp/h-review-detail.png', fullPage: true });

    await page.goto(`${base}/admin/queues/queue/sep?status=completed`);
    await page.getByText('endpoint-details').first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: '/tmp/h-bull-board.png' });
    expect(dialogs).toEqual([]);
    await page.close();
  }, 90_000);

  it('renders mail fields that contain markup as text, never as markup', async () => {
    const incidentId = await incidentFromFixture([
      ['TEST-ENDPOINT', 'WS-<b>BOLD</b>'],
      ['Trojan.Gen.NPE', '<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2">Trojan.X'],
    ]);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await login(page);
    await page.goto(`${base}/incidents/${incidentId}`);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2">Trojan.X');
    expect(text).toContain('WS-<b>BOLD</b>');
    expect(await page.locator('script, main img, main b').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    await page.goto(`${base}/incidents`);
    expect(await page.locator('main').textContent()).toContain('<script>window.__xss=1');
    expect(await page.locator('script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);
});

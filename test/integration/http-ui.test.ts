import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/http/auth/password.ts';
import { buildHttpServer } from '../../src/http/server.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { A, startHarness, type Harness } from '../helpers/enrich-harness.ts';
import { postLoginForm } from '../helpers/login-form.ts';
import { testRuntime } from '../helpers/redis.ts';

/** Review UI over HTTP: sessions, CSRF, roles on form posts, closing, attachments, security headers. */

const FAST = { N: 1024, r: 8, p: 1 };

describe('review UI routes', () => {
  let h: Harness;
  let app: FastifyInstance;

  beforeAll(async () => {
    const users = [
      { name: 'op', passwordHash: await hashPassword('op-password', FAST), role: 'operator' },
      { name: 'ro', passwordHash: await hashPassword('ro-password', FAST), role: 'readonly' },
    ];
    h = await startHarness({ config: { http: { users } } });
    app = await buildHttpServer({
      config: h.config,
      runtime: testRuntime(h.prefix),
      soar: h.soar,
      store: h.soar,
      logger: silentLogger,
      readiness: async () => ({}),
    });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  /** Logs in through the form; returns the cookie header and the page's CSRF token. */
  async function session(user: string, password: string, incidentId: number) {
    const login = await postLoginForm(app, { username: user, password, next: '//evil.example/' });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/incidents'); // never an off-site redirect
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const page = await app.inject({ url: `/incidents/${incidentId}`, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(csrf).toBeTruthy();
    return { cookie, csrf: csrf!, page };
  }

  it('serves pages with a strict CSP and no scripts; forms need the CSRF token; read-only users cannot act', async () => {
    const incidentId = await h.newIncident([{ type: A.systemName, value: 'WS-00002' }]);
    const { cookie, csrf, page } = await session('op', 'op-password', incidentId);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).not.toMatch(/<script/i);
    const artifactId = (await h.soar.listArtifacts(incidentId))[0]!.id;
    const form = { action: 'endpoint-details', artifactId: String(artifactId) };
    const post = (headers: Record<string, string>, payload: Record<string, string>) =>
      app.inject({ method: 'POST', url: `/incidents/${incidentId}/actions`, headers, payload });

    expect((await post({ cookie }, form)).statusCode).toBe(403);
    expect((await post({ cookie }, { ...form, _csrf: 'x'.repeat(32) })).statusCode).toBe(403);
    expect(await h.queues.sep.count()).toBe(0);

    const ro = await session('ro', 'ro-password', incidentId);
    expect(ro.page.body).not.toContain('data-action="endpoint-details"');
    expect((await post({ cookie: ro.cookie }, { ...form, _csrf: ro.csrf })).statusCode).toBe(403);
    // Another session's token does not work either.
    expect((await post({ cookie: ro.cookie }, { ...form, _csrf: csrf })).statusCode).toBe(403);
    expect(await h.queues.sep.count()).toBe(0);

    const ok = await post({ cookie }, { ...form, _csrf: csrf });
    expect(ok.statusCode).toBe(303);
    const jobId = /jobs=([^&]+)/.exec(String(ok.headers.location))![1]!;
    expect(await h.queues.sep.getJob(decodeURIComponent(jobId))).toBeDefined();

    const bad = await post({ cookie }, { action: 'endpoint-details', artifactId: '999999', _csrf: csrf });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('no such artifact on this incident');
  });

  it('a form sent twice (double click, re-sent POST) is one job; a new form is a new job', async () => {
    const incidentId = await h.newIncident([{ type: A.systemName, value: 'WS-00003' }]);
    const { cookie, csrf, page } = await session('op', 'op-password', incidentId);
    const formHtml = /<form[^>]*\/actions"[\s\S]*?data-action="endpoint-details"/.exec(page.body)![0];
    const nonce = /name="nonce" value="([0-9a-f]{32})"/.exec(formHtml)![1]!;
    const artifactId = String((await h.soar.listArtifacts(incidentId))[0]!.id);
    const payload = { action: 'endpoint-details', artifactId, nonce, _csrf: csrf };
    const send = () =>
      app.inject({ method: 'POST', url: `/incidents/${incidentId}/actions`, headers: { cookie }, payload });
    const jobOf = (res: { headers: Record<string, unknown> }) => /jobs=([^&]+)/.exec(String(res.headers.location))![1];
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(303);
    expect(second.statusCode).toBe(303);
    expect(jobOf(second)).toBe(jobOf(first));
    // The page after the redirect has fresh nonces: asking again is a new job.
    const again = await session('op', 'op-password', incidentId);
    const fresh = /name="nonce" value="([0-9a-f]{32})"/.exec(again.page.body)![1]!;
    expect(fresh).not.toBe(nonce);
    const third = await app.inject({
      method: 'POST',
      url: `/incidents/${incidentId}/actions`,
      headers: { cookie },
      payload: { ...payload, nonce: fresh },
    });
    expect(jobOf(third)).not.toBe(jobOf(first));
  });

  it('closes an incident with a resolution and downloads attachments without rendering them', async () => {
    const incidentId = await h.newIncident([]);
    const att = await h.soar.addAttachment(
      incidentId,
      'report <x>.html',
      'text/html',
      Buffer.from('<script>1</script>'),
    );
    const { cookie, csrf } = await session('op', 'op-password', incidentId);
    const dl = await app.inject({ url: `/incidents/${incidentId}/attachments/${att.id}`, headers: { cookie } });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/octet-stream');
    expect(dl.headers['content-disposition']).toMatch(/^attachment; filename="report__x_.html"/);
    expect(dl.body).toBe('<script>1</script>');

    const missing = await app.inject({
      method: 'POST',
      url: `/incidents/${incidentId}/close`,
      headers: { cookie },
      payload: { _csrf: csrf, resolution: 'Resolved', summary: '' },
    });
    expect(missing.statusCode).toBe(400);
    const close = await app.inject({
      method: 'POST',
      url: `/incidents/${incidentId}/close`,
      headers: { cookie },
      payload: { _csrf: csrf, resolution: 'Not an Issue', summary: 'test machine' },
    });
    expect(close.statusCode).toBe(303);
    expect(await h.soar.getIncident(incidentId)).toMatchObject({ state: 'closed', resolution: 'Not an Issue' });
    const list = await app.inject({ url: '/incidents?state=closed', headers: { cookie } });
    expect(list.body).toContain(`href="/incidents/${incidentId}"`);
    const open = await app.inject({ url: '/incidents?state=open', headers: { cookie } });
    expect(open.body).not.toContain(`href="/incidents/${incidentId}"`);
  });

  it('logging out ends the session', async () => {
    const incidentId = await h.newIncident([]);
    const { cookie, csrf } = await session('op', 'op-password', incidentId);
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie }, payload: { _csrf: csrf } });
    expect(out.statusCode).toBe(303);
    const after = await app.inject({ url: '/incidents', headers: { cookie } });
    expect(after.statusCode).toBe(302);
    expect(after.headers.location).toMatch(/^\/login/);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basic, OP_TOKEN, RO_TOKEN, startWebHarness, type WebHarness } from '../helpers/http-server.ts';

/**
 * Authorization follows the route the router matched, not the bytes of the URL: every spelling of a protected
 * path that reaches a mutating route gets the plain path's 403 for a read-only principal, and nothing lands in
 * a queue (real Redis, no workers, so an added job would stay there to be counted).
 */

const RO = { authorization: `Bearer ${RO_TOKEN}`, 'content-type': 'application/json' };
const RO_BASIC = { authorization: basic('bob', 'bob-secret-pw'), 'content-type': 'application/json' };
const OP = { authorization: `Bearer ${OP_TOKEN}`, 'content-type': 'application/json' };

/** Spellings of `/admin/queues` + rest that a router may decode, collapse or normalise to the same route. */
function variants(rest: string): string[] {
  return [
    `/admin/queues${rest}`,
    `/admin/%71ueues${rest}`,
    `/%61dmin/queues${rest}`,
    `/%61%64%6d%69%6e/%71%75%65%75%65%73${rest}`,
    `/%61%64%6D%69%6E/%71%75%65%75%65%73${rest}`,
    `/admin%2Fqueues${rest}`,
    `/admin%2fqueues${rest}`,
    `/admin/%2571ueues${rest}`,
    `//admin/queues${rest}`,
    `/admin//queues${rest}`,
    `/admin/queues/../queues${rest}`,
    `/admin/./queues${rest}`,
    `/admin/queues.${rest}`,
    `/admin/queues/${rest}`,
    `/admin/queues${rest.replace('/api/', '/%61pi/')}`,
    `/admin/queues${rest.replace('/queues/', '/%71ueues/')}`,
  ];
}

const MUTATIONS: { method: string; rest: string; body?: string }[] = [
  { method: 'POST', rest: '/api/queues/sep/add', body: JSON.stringify({ name: 'get-domains', data: {} }) },
  { method: 'POST', rest: '/api/queues/intake/add', body: JSON.stringify({ name: 'mail', data: {} }) },
  { method: 'PUT', rest: '/api/queues/tracking/pause' },
  { method: 'PUT', rest: '/api/queues/tracking/resume' },
  { method: 'PUT', rest: '/api/queues/sep/retry/failed' },
  { method: 'PUT', rest: '/api/queues/pause' },
  { method: 'PUT', rest: '/api/queues/sep/empty' },
];

describe('route-level authorization', () => {
  let w: WebHarness;

  beforeAll(async () => {
    w = await startWebHarness();
  });
  afterAll(async () => {
    await w?.close();
  });
  beforeEach(async () => {
    for (const q of Object.values(w.queues)) await q.obliterate({ force: true });
  });

  it('read-only principals get the plain 403 on every spelling of a mutating operator-board route', async () => {
    // A failed job for the retry routes to act on.
    await w.queues.sep.add('get-domains', {}, { jobId: 'seed' });
    const before = await w.jobCount();
    for (const m of MUTATIONS) {
      for (const path of variants(m.rest)) {
        for (const headers of [RO, RO_BASIC]) {
          const res = await w.raw(m.method, path, headers, m.body ?? '{}');
          expect(res.status, `${m.method} ${path}`).toBe(403);
          expect(res.json(), `${m.method} ${path}`).toEqual({
            error: 'HTTP_FORBIDDEN',
            message: 'operator role required',
          });
        }
      }
    }
    expect(await w.jobCount()).toBe(before);
    expect(await w.queues.intake.count()).toBe(0);
    expect(await w.queues.tracking.isPaused()).toBe(false);
    expect(await w.queues.sep.isPaused()).toBe(false);
  });

  it('the operator board itself refuses read-only principals (its own route-level check)', async () => {
    // A GET passes the global default (readonly may read); the mount's own hook still refuses its JSON API.
    const res = await w.raw('GET', '/admin/%71ueues/api/queues/sep/1/logs', RO);
    expect(res.status).toBe(403);
  });

  it('operators still use the board; read-only users are sent to the read-only board for pages', async () => {
    const add = await w.raw('POST', '/admin/queues/api/queues/sep/add', OP, JSON.stringify({ name: 'get-domains' }));
    expect(add.status).toBe(200);
    expect(await w.queues.sep.count()).toBe(1);
    const page = await w.raw('GET', '/admin/%71ueues/queue/sep', RO);
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/admin/queues-ro/queue/sep');
    const root = await w.raw('GET', '/admin/queues', RO);
    expect(root.headers.location).toBe('/admin/queues-ro');
    // The operator board's JSON API is not a read-only view (it shows seals and stacks): the ro board's is.
    expect((await w.raw('GET', '/admin/%71ueues/api/queues', RO)).status).toBe(403);
    expect((await w.raw('GET', '/admin/queues-ro/api/queues', RO)).status).toBe(200);
    expect((await w.raw('GET', '/admin/queues/api/queues', OP)).status).toBe(200);
  });

  it('API routes that need the operator role refuse read-only principals under any spelling', async () => {
    const body = JSON.stringify({ incidentId: 1, artifact: { type: 'System Name', value: 'WS-00001' } });
    for (const path of [
      '/api/jobs/endpoint-details',
      '/%61pi/jobs/endpoint-details',
      '/api/%6aobs/endpoint-details',
      '/api/jobs/%65ndpoint-details',
      '//api/jobs/endpoint-details',
      '/api//jobs/endpoint-details',
      '/api/jobs/../jobs/endpoint-details',
    ]) {
      const res = await w.raw('POST', path, RO, body);
      expect(res.status, path).toBe(403);
    }
    // The same spellings reach the route for an operator (so the 403 above is the route's, not a 404).
    const asOp = await w.raw('POST', '/%61pi/jobs/%65ndpoint-details', OP, body);
    expect(asOp.status).toBe(202);
    await w.queues.sep.obliterate({ force: true });
    expect(await w.jobCount()).toBe(0);
  });

  it('public routes stay public only under their own name; encoded spellings need authentication', async () => {
    expect((await w.raw('GET', '/healthz')).status).toBe(200);
    expect((await w.raw('GET', '/%68ealthz')).status).toBe(200);
    expect((await w.raw('GET', '/%61dmin/queues/api/queues')).status).toBe(401);
    expect((await w.raw('GET', '/%6detrics')).status).toBe(401);
  });
});

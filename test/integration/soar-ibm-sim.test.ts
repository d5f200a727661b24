import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as simCli } from '../../sim/soar/cli.ts';
import { startSoarSim, type SoarSim } from '../../sim/soar/index.ts';

/** SOAR simulator behaviour the adapter relies on but does not itself exercise (plain HTTP, raw REST calls). */
let sim: SoarSim;
let auth: string;

beforeAll(async () => {
  sim = await startSoarSim({ tls: false, duplicateArtifacts: 'reject' });
  auth = `Basic ${Buffer.from(`${sim.apiKeyId}:${sim.apiKeySecret}`).toString('base64')}`;
});
afterAll(async () => {
  await sim.stop();
});

async function rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}/rest/orgs/${sim.org.id}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & unknown[] };
}

async function newIncident(extra: Record<string, unknown> = {}) {
  const res = await rest('POST', '/incidents', { name: 'sim test', discovered_date: 2000, ...extra });
  expect(res.status).toBe(200);
  return res.body as unknown as { id: number; vers: number };
}

describe('SOAR simulator', () => {
  it('validates creates: required fields, start_date <= discovered_date, handles by id or name', async () => {
    expect((await rest('POST', '/incidents', { discovered_date: 1 })).status).toBe(400);
    expect((await rest('POST', '/incidents', { name: 'x' })).status).toBe(400);
    const late = await rest('POST', '/incidents', { name: 'x', discovered_date: 1, start_date: 2 });
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ success: false, title: null, hints: [], error_code: 'generic' });
    const bad = await rest('POST', '/incidents', { name: 'x', discovered_date: 1, severity_code: 'Severe' });
    expect(bad.status).toBe(400);
    const ok = await rest('POST', '/incidents', {
      name: 'x',
      discovered_date: 2,
      start_date: 2,
      severity_code: { name: 'High' },
      incident_type_ids: [19, 'System Intrusion'],
    });
    expect(ok.body).toMatchObject({ severity_code: 6, incident_type_ids: [19, 20], vers: 1, plan_status: 'A' });
  });

  it('honours handle_format as a query parameter or a header', async () => {
    const { id } = await newIncident({ severity_code: 'Medium' });
    expect((await rest('GET', `/incidents/${id}?handle_format=names`)).body.severity_code).toBe('Medium');
    expect((await rest('GET', `/incidents/${id}`, undefined, { handle_format: 'objects' })).body.severity_code).toEqual(
      {
        id: 5,
        name: 'Medium',
      },
    );
  });

  it('answers unknown ids with the StatusDTO and a thousands separator', async () => {
    const res = await rest('GET', '/incidents/1234567');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('Unable to find object with ID 1,234,567');
  });

  it('bumps vers on PUT, answers 409 on a stale vers, and refuses a close without resolution', async () => {
    const inc = await newIncident();
    const put = await rest('PUT', `/incidents/${inc.id}`, { ...inc, name: 'renamed' });
    expect(put.body).toMatchObject({ name: 'renamed', vers: 2 });
    expect((await rest('PUT', `/incidents/${inc.id}`, { ...inc, name: 'stale' })).status).toBe(409);
    expect((await rest('PUT', `/incidents/${inc.id}`, { ...put.body, plan_status: 'C' })).status).toBe(400);
  });

  it('PATCH reports field_failures for a stale old_value and applies a current one', async () => {
    const inc = await newIncident({ properties: { sepm_alert_key: 'p1' } });
    const stale = await rest('PATCH', `/incidents/${inc.id}`, {
      version: 1,
      changes: [{ field: 'name', old_value: { text: 'other' }, new_value: { text: 'n2' } }],
    });
    expect(stale.body).toMatchObject({
      success: false,
      field_failures: [{ field: 'name', actual_current_value: 'sim test' }],
    });
    const good = await rest('PATCH', `/incidents/${inc.id}`, {
      version: 1,
      changes: [
        { field: 'name', old_value: { text: 'sim test' }, new_value: { text: 'n2' } },
        { field: { name: 'sepm_alert_key' }, old_value: { text: 'p1' }, new_value: { text: 'p2' } },
      ],
    });
    expect(good.body.success).toBe(true);
    expect(sim.state.incidents.get(inc.id)).toMatchObject({
      name: 'n2',
      vers: 2,
      properties: { sepm_alert_key: 'p2' },
    });
    expect((await rest('PATCH', `/incidents/${inc.id}`, { version: 1, changes: [] })).status).toBe(409);
  });

  it('query_paged filters on properties.* and stock fields with the listed methods, and pages', async () => {
    const tag = `q-${Date.now()}`;
    for (let i = 0; i < 3; i++)
      await newIncident({ properties: { sepm_alert_key: tag, n: i }, discovered_date: 100 + i });
    const q = (conditions: unknown[], extra: Record<string, unknown> = {}) =>
      rest('POST', '/incidents/query_paged', { filters: [{ conditions }], ...extra });
    const key = { field_name: 'properties.sepm_alert_key', method: 'equals', value: tag };
    expect((await q([key])).body.recordsFiltered).toBe(3);
    expect((await q([key, { field_name: 'discovered_date', method: 'gte', value: 101 }])).body.recordsFiltered).toBe(2);
    expect((await q([key, { field_name: 'properties.n', method: 'in', value: [0, 2] }])).body.recordsFiltered).toBe(2);
    expect((await q([key, { field_name: 'name', method: 'contains', value: 'SIM' }])).body.recordsFiltered).toBe(3);
    expect((await q([key, { field_name: 'resolution_id', method: 'has_a_value' }])).body.recordsFiltered).toBe(0);
    const page = await q([key], { sorts: [{ field_name: 'discovered_date', type: 'desc' }], start: 1, length: 1 });
    expect((page.body.data as unknown as { discovered_date: number }[]).map((d) => d.discovered_date)).toEqual([101]);
    expect((await q([{ field_name: 'name', method: 'like', value: 'x' }])).status).toBe(400);
  });

  it('answers an array on artifact create and can reject duplicates', async () => {
    const { id } = await newIncident();
    const a = await rest('POST', `/incidents/${id}/artifacts`, { type: { name: 'IP Address' }, value: '10.1.1.1' });
    expect(Array.isArray(a.body)).toBe(true);
    expect(a.body[0]).toMatchObject({ type: 1, value: '10.1.1.1' });
    expect((await rest('POST', `/incidents/${id}/artifacts`, { type: 1, value: '10.1.1.1' })).status).toBe(400);
    expect((await rest('POST', `/incidents/${id}/artifacts`, { type: 'No Such Type', value: 'x' })).status).toBe(400);
  });

  it('checks data-table columns and value types', async () => {
    const { id } = await newIncident();
    const path = `/incidents/${id}/table_data/sep_groups/row_data`;
    expect((await rest('POST', path, { cells: { nope: { value: 1 } } })).status).toBe(400);
    expect((await rest('POST', path, { cells: { policyInheritanceEnabled: { value: 'yes' } } })).status).toBe(400);
    const row = await rest('POST', path, { cells: { policyInheritanceEnabled: { value: true } } });
    expect(row.body).toMatchObject({ version: 1, cells: { policyInheritanceEnabled: { value: true } } });
    expect((await rest('GET', `/incidents/${id}/table_data/sep_nope`)).status).toBe(404);
  });

  it('injects faults on matching routes only, the given number of times', async () => {
    const { id } = await newIncident();
    sim.faults.add({ route: 'GET /rest/orgs/{org}/incidents/{id}', kind: 'status', status: 503, times: 1 });
    expect((await rest('GET', `/incidents/${id}/comments`)).status).toBe(200);
    expect((await rest('GET', `/incidents/${id}`)).status).toBe(503);
    expect((await rest('GET', `/incidents/${id}`)).status).toBe(200);
    sim.faults.add({ route: '*', kind: 'latency', delayMs: 200 });
    const t0 = Date.now();
    expect((await rest('GET', `/incidents/${id}`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    sim.faults.clear();
  });

  it('rejects requests without valid credentials', async () => {
    const res = await fetch(`${sim.url}/rest/orgs/${sim.org.id}/incidents/1`, {
      headers: { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` },
    });
    expect(res.status).toBe(401);
    expect((await fetch(`${sim.url}/rest/session`)).status).toBe(401);
  });

  it('CLI refuses unknown options with the usage text and exit code 2', async () => {
    expect(await simCli(['--bogus'])).toBe(2);
    expect(await simCli(['--port', 'x'])).toBe(2);
  });
});

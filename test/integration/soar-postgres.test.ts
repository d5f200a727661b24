import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run as incidentsCommand } from '../../src/cli/commands/incidents.ts';
import { AppError, ErrorCodes } from '../../src/shared/errors.ts';
import { poolConfig } from '../../src/soar/postgres/connection.ts';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/soar/postgres/migrations.ts';
import { openPostgresStore, type PostgresStore } from '../../src/soar/postgres/store.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { dropSchema, pgSettings, randomSchema, TEST_POSTGRES_URL } from '../helpers/postgres.ts';
import { sampleIncident } from '../helpers/soar-contract.ts';

/** PostgreSQL store specifics: migrations, two hosts racing on the same alerts, review-UI reads, URL policy. */
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});
function freshSchema(label: string): string {
  const s = randomSchema(label);
  schemas.push(s);
  return s;
}
const HOUR = 3_600_000;

describe('PostgreSQL store', () => {
  it('records every migration once when several processes start at the same moment', async () => {
    const schema = freshSchema('migrate');
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(pgSettings(schema))));
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      const res = await client.query<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(res.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      expect(res.rows.at(-1)?.version).toBe(PG_SCHEMA_VERSION);
    } finally {
      await client.end();
    }
  });

  it('two hosts (two pools) on the same alerts: one incident per alert, one application per Message-ID', async () => {
    const schema = freshSchema('race');
    const hostA = await openPostgresStore(pgSettings(schema, { poolSize: 5 }));
    const hostB = await openPostgresStore(pgSettings(schema, { poolSize: 5 }));
    try {
      const alerts = Array.from({ length: 20 }, () => sampleIncident());
      const mails = alerts.flatMap((a, i) => [1, 2, 3].map((m) => ({ alert: a, mid: `<a${i}-m${m}@sepm.example>` })));
      // Every mail is delivered to both hosts at once (a redelivery racing its first delivery).
      const results = await Promise.all(
        mails.flatMap(({ alert, mid }) =>
          [hostA, hostB].map((host) => host.findOrCreateIncident(alert, { sourceMessageId: mid, mergeWindowMs: HOUR })),
        ),
      );
      const outcomes = results.map((r) => r.outcome);
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(20);
      expect(outcomes.filter((o) => o === 'merged')).toHaveLength(40);
      expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(60);
      const { total, incidents } = await hostA.searchIncidents({ limit: 1000 });
      expect(total).toBe(20);
      expect(new Set(incidents.map((i) => i.dedupKey))).toEqual(new Set(alerts.map((a) => a.dedupKey)));
      expect(incidents.every((i) => i.occurrences === 3)).toBe(true);
      for (const inc of incidents) {
        const detail = await hostB.getIncidentDetail(inc.id);
        expect(detail.messages).toHaveLength(3);
        expect(detail.artifacts).toHaveLength(3);
        // One merge note per repeat, never two for the same mail.
        expect(detail.notes).toHaveLength(2);
      }
    } finally {
      await Promise.all([hostA.close(), hostB.close()]);
    }
  });

  it('serves the review UI reads: filters, paging total, detail with tables and messages', async () => {
    const store = await openPostgresStore(pgSettings(freshSchema('reads')));
    try {
      const a = sampleIncident({ severity: 'High' });
      a.properties.sepm_computer = 'ÉCRAN-01';
      const created = await store.findOrCreateIncident(a, { sourceMessageId: '<r1@x>', mergeWindowMs: HOUR });
      await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: HOUR });
      await store.addTableRow(created.incident.id, SepTables.endpointDetails, { computerName: 'ÉCRAN-01' });
      const found = await store.searchIncidents({ computer: 'écran', severity: 'High', limit: 1 });
      expect(found.total).toBe(1);
      expect(found.incidents.map((i) => i.id)).toEqual([created.incident.id]);
      expect((await store.searchIncidents({ computer: '%' })).total).toBe(0);
      expect((await store.searchIncidents({ limit: 1 })).total).toBe(2);
      const detail = await store.getIncidentDetail(created.incident.id);
      expect(detail.tables[SepTables.endpointDetails]?.[0]?.cells).toEqual({ computerName: 'ÉCRAN-01' });
      expect(detail.messages.map((m) => [m.messageId, m.outcome])).toEqual([['<r1@x>', 'created']]);
    } finally {
      await store.close();
    }
  });

  it('answers a retryable STORE_IO when PostgreSQL is unreachable', async () => {
    const err = await openPostgresStore(
      pgSettings(freshSchema('down'), { url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 2000 }),
    ).then(
      (s: PostgresStore) => s.close(),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.STORE_IO);
    expect((err as AppError).retryable).toBe(true);
  });
});

describe('incidents command on soar.kind postgres', () => {
  it('lists and shows the incidents of the configured PostgreSQL store', async () => {
    const schema = freshSchema('cli');
    const store = await openPostgresStore(pgSettings(schema));
    const { incident } = await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: HOUR });
    await store.close();
    const dir = mkdtempSync(join(tmpdir(), 'pg-cli-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ soar: { kind: 'postgres', postgres: { url: TEST_POSTGRES_URL, schema } } }));
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((out += String(t)), true));
    try {
      expect(await incidentsCommand(['list', '--json', '--config', file])).toBe(0);
      expect(await incidentsCommand(['show', String(incident.id), '--config', file])).toBe(0);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(out).toContain('"total": 1');
    expect(out).toContain(`Incident ${incident.id}: ${incident.name}`);
  });
});

describe('PostgreSQL connection policy', () => {
  const base = pgSettings('public');
  it('keeps TLS verification on: no-verify is refused, plain TCP only to loopback', () => {
    const code = (url: string) => {
      try {
        poolConfig({ ...base, url });
        return 'ok';
      } catch (e) {
        return (e as AppError).code;
      }
    };
    expect(code('postgres://u:p@db.example.com/x?sslmode=no-verify')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('postgres://u:p@db.example.com/x?sslmode=prefer')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('postgres://u:p@db.example.com/x')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('postgres://u:p@127.0.0.1/x')).toBe('ok');
    const cfg = poolConfig({ ...base, url: 'postgres://u:p@db.example.com/x?sslmode=require' });
    expect(cfg.ssl).toEqual({ rejectUnauthorized: true });
    // The URL's TLS parameters are removed: pg would let them override the verified `ssl` object.
    expect(cfg.connectionString).not.toContain('sslmode');
  });

  it('never puts the password into its error messages', () => {
    try {
      poolConfig({ ...base, url: 'postgres://u:s3cret-pw@db.example.com/x?sslmode=no-verify' });
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret-pw');
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactTypes } from '../../../../src/mail/types.ts';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';
import { isTransientSqliteError } from '../../../../src/soar/embedded/db.ts';
import { openEmbeddedStore } from '../../../../src/soar/embedded/store.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../../src/soar/embedded/schema.ts';
import { SepTables } from '../../../../src/soar/sep-tables.ts';
import { sampleIncident, soarContractSuite } from '../../../helpers/soar-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'sepm-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tempDb = (label: string) => join(dir, `${label}-${++n}.db`);
const HOUR = 3_600_000;

soarContractSuite('embedded store (temp file)', async () => {
  const client = openEmbeddedStore(tempDb('contract'));
  return { client, cleanup: () => client.close() };
});

describe('embedded store specifics', () => {
  it('creates its directory, records the schema version and keeps data across reopen', async () => {
    const path = join(dir, 'nested', 'deeper', 'store.db');
    const store = openEmbeddedStore(path);
    const { incident } = await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: HOUR });
    await store.close();
    const again = openEmbeddedStore(path);
    expect((await again.getIncident(incident.id)).name).toBe(incident.name);
    await again.close();
    const raw = new BetterSqlite3(path, { readonly: true });
    const versions = raw.prepare('SELECT version FROM migrations ORDER BY version').all() as { version: number }[];
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(versions.at(-1)?.version).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('upgrades a version-1 database in place, backfilling the search columns', async () => {
    const path = tempDb('upgrade');
    const raw = new BetterSqlite3(path);
    raw.exec('CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    raw.exec(MIGRATIONS[0]!.sql);
    raw.prepare('INSERT INTO migrations VALUES (1, 0)').run();
    raw
      .prepare(
        `INSERT INTO incidents (dedup_key, name, description, severity, discovered_date, created_at, updated_at,
           last_seen, properties) VALUES ('k', 'old incident', '', 'Low', 0, 0, 0, 0, ?)`,
      )
      .run(JSON.stringify({ sepm_computer: 'ÉCRAN-01', sepm_risk_name: 'W32.Old' }));
    raw.close();
    const store = openEmbeddedStore(path);
    const found = await store.searchIncidents({ computer: 'écran', risk: 'w32.OLD' });
    expect(found.incidents.map((i) => i.name)).toEqual(['old incident']);
    const merged = await store.findOrCreateIncident(sampleIncident({ dedupKey: 'k' }), { mergeWindowMs: HOUR, now: 1 });
    expect(merged.outcome).toBe('merged');
    await store.close();
  });

  it('keeps the worse severity when a repeat is more serious', async () => {
    const store = openEmbeddedStore(tempDb('severity'));
    const input = sampleIncident({ severity: 'Low' });
    const first = await store.findOrCreateIncident(input, { mergeWindowMs: HOUR, now: 1_000 });
    await store.findOrCreateIncident({ ...input, severity: 'High' }, { mergeWindowMs: HOUR, now: 2_000 });
    await store.findOrCreateIncident({ ...input, severity: 'Medium' }, { mergeWindowMs: HOUR, now: 3_000 });
    expect((await store.getIncident(first.incident.id)).severity).toBe('High');
    await store.close();
  });

  it('never merges with a window of 0', async () => {
    const store = openEmbeddedStore(tempDb('window0'));
    const input = sampleIncident();
    const a = await store.findOrCreateIncident(input, { mergeWindowMs: 0, now: 5_000 });
    const b = await store.findOrCreateIncident(input, { mergeWindowMs: 0, now: 5_000 });
    expect([a.outcome, b.outcome]).toEqual(['created', 'created']);
    expect(b.incident.id).not.toBe(a.incident.id);
    await store.close();
  });

  it('searches newest first by state, severity, computer and risk, and pages', async () => {
    const store = openEmbeddedStore(tempDb('search'));
    const mk = (computer: string, risk: string, severity: 'Low' | 'High', now: number) =>
      store.findOrCreateIncident(
        sampleIncident({
          severity,
          properties: { sepm_computer: computer, sepm_risk_name: risk, sepm_action: 'Left alone' },
        }),
        { mergeWindowMs: HOUR, now },
      );
    const a = await mk('WS-ALPHA', 'Trojan.Gen.NPE', 'Low', 1_000);
    const b = await mk('ws-beta', 'W32.Downadup', 'High', 2_000);
    const c = await mk('SRV_100%', 'Trojan.Gen.2', 'High', 3_000);
    await store.closeIncident(a.incident.id, 'Resolved', 'done');
    const ids = async (q: Parameters<typeof store.searchIncidents>[0]) =>
      (await store.searchIncidents(q)).incidents.map((i) => i.id);
    expect(await ids({})).toEqual([c.incident.id, b.incident.id, a.incident.id]);
    expect(await ids({ state: 'open' })).toEqual([c.incident.id, b.incident.id]);
    expect(await ids({ severity: 'Low' })).toEqual([a.incident.id]);
    expect(await ids({ computer: 'WS-' })).toEqual([b.incident.id, a.incident.id]);
    expect(await ids({ computer: '_100%' })).toEqual([c.incident.id]);
    expect(await ids({ computer: '%' })).toEqual([c.incident.id]);
    expect(await ids({ risk: 'trojan' })).toEqual([c.incident.id, a.incident.id]);
    const page = await store.searchIncidents({ limit: 1, offset: 1 });
    expect(page.total).toBe(3);
    expect(page.incidents.map((i) => i.id)).toEqual([b.incident.id]);
    await store.close();
  });

  it('gives the full detail of an incident: artifacts, notes, tables, attachments, messages', async () => {
    const store = openEmbeddedStore(tempDb('detail'));
    const input = sampleIncident();
    const { incident } = await store.findOrCreateIncident(input, { sourceMessageId: '<a@x>', mergeWindowMs: HOUR });
    await store.findOrCreateIncident(input, { sourceMessageId: '<b@x>', mergeWindowMs: HOUR });
    await store.addTableRow(incident.id, SepTables.endpointDetails, { computerName: 'TEST-ENDPOINT', infected: 'Yes' });
    await store.addAttachment(incident.id, 'r.csv', 'text/csv', Buffer.from('a,b\n'));
    const d = await store.getIncidentDetail(incident.id);
    expect(d.incident.occurrences).toBe(2);
    expect(d.artifacts).toHaveLength(input.artifacts.length);
    expect(d.notes).toHaveLength(1);
    expect(Object.keys(d.tables)).toEqual([SepTables.endpointDetails]);
    expect(d.tables[SepTables.endpointDetails]![0]!.cells.infected).toBe('Yes');
    expect(d.attachments.map((a) => a.name)).toEqual(['r.csv']);
    expect(d.messages.map((m) => [m.messageId, m.outcome])).toEqual([
      ['<a@x>', 'created'],
      ['<b@x>', 'merged'],
    ]);
    await store.close();
  });

  it('rejects bad cells and oversized attachments with catalog codes, and fails cleanly once closed', async () => {
    const store = openEmbeddedStore(tempDb('errors'), { maxAttachmentBytes: 10 });
    const { incident } = await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: HOUR });
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as AppError).code,
      );
    const badCells = { group_name: { nested: true } } as unknown as Record<string, string>;
    expect(await codeOf(store.addTableRow(incident.id, SepTables.groups, badCells))).toBe(ErrorCodes.SOAR_BAD_REQUEST);
    expect(await codeOf(store.addAttachment(incident.id, 'big', 'x/y', Buffer.alloc(11)))).toBe(
      ErrorCodes.SOAR_BAD_REQUEST,
    );
    expect(await codeOf(store.addArtifacts(incident.id, [{ type: ArtifactTypes.ipAddress, value: '  ' }]))).toBe('ok');
    expect(await store.listArtifacts(incident.id)).toHaveLength(3);
    await store.close();
    const err = await store.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.STORE_IO);
  });

  it('marks lock waits, full disks and I/O errors retryable, other SQLite failures not', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE']) {
      expect(isTransientSqliteError(code)).toBe(true);
    }
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CORRUPT', 'SQLITE_READONLY', 'SQLITE_BUSYX', undefined]) {
      expect(isTransientSqliteError(code)).toBe(false);
    }
  });

  it('waits busy_timeout for another writer, then fails retryable with STORE_IO', async () => {
    const path = tempDb('busy');
    const store = openEmbeddedStore(path, { busyTimeoutMs: 50 });
    const other = new BetterSqlite3(path);
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const err = await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: HOUR }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: ErrorCodes.STORE_IO, retryable: true });
    other.exec('ROLLBACK');
    expect((await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: HOUR })).outcome).toBe('created');
    other.close();
    await store.close();
  });

  it('never duplicates an incident when several processes write the same alerts at once', async () => {
    const path = tempDb('multi');
    await openEmbeddedStore(path).close(); // migrate once up front so the writers only race on data
    const ops = 150;
    const keys = 5;
    const writers = [0, 50, 100].map((offset) => startWriter(path, ops, keys, offset));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    const results = await Promise.all(writers.map((w) => w.done));
    const total = { created: 0, merged: 0, duplicate: 0 };
    for (const r of results) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r[k];
    expect(total).toEqual({ created: keys, merged: ops - keys, duplicate: 2 * ops });
    const store = openEmbeddedStore(path);
    const { total: count, incidents } = await store.searchIncidents({ limit: 100 });
    expect(count).toBe(keys);
    expect(incidents.reduce((sum, i) => sum + i.occurrences, 0)).toBe(ops);
    for (const i of incidents) expect(await store.listArtifacts(i.id)).toHaveLength(7);
    await store.close();
  }, 60_000);
});

type Counts = { created: number; merged: number; duplicate: number };

function startWriter(path: string, ops: number, keys: number, offset: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, '../../../helpers/store-writer.ts'),
      path,
      String(ops),
      String(keys),
      String(offset),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
  });
  const done = new Promise<Counts>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`writer exited ${code}: ${err}`));
      else resolve(JSON.parse(out.slice('ready\n'.length)) as Counts);
    });
  });
  return { ready, done, go: () => child.stdin.write('go\n') };
}

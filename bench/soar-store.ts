/**
 * Our incident stores' throughput: `node --import tsx bench/soar-store.ts [incidents] [listIncidents]`
 * (defaults 5,000 and 100,000), embedded SQLite (temp file) and PostgreSQL (SEPM_INTAKE_BENCH_POSTGRES_URL, default
 * the test server postgres://postgres@127.0.0.1:5432/test, in a random schema dropped after; skipped when it is not
 * reachable).
 * Baseline per store, same process, same schema: one bare INSERT INTO incidents per transaction — the least any
 * durable store must do per alert. Figures are ops/s and the ratio to that store's baseline; absolute numbers
 * depend on the disk and the network, ratios much less.
 * The list figures fill the store with `listIncidents` rows in bulk (SQL, not findOrCreate) and time review-UI
 * pages (50 rows + COUNT) with the UI's filters.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { ArtifactTypes } from '../src/mail/types.ts';
import { openEmbeddedStore } from '../src/soar/embedded/store.ts';
import type { IncidentSearch } from '../src/soar/port.ts';
import { openPostgresStore } from '../src/soar/postgres/store.ts';
import type { NewIncident } from '../src/soar/port.ts';

const N = Number(process.argv[2] ?? 5000);
const LIST_N = Number(process.argv[3] ?? 100_000);
const KEYS = 50;
const PG_URL = process.env.SEPM_INTAKE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'sepm-bench-store-'));

function incident(key: string, i: number): NewIncident {
  return {
    dedupKey: key,
    name: `SEP Single Risk Event: Trojan.Gen.NPE on WS-${i} (Cleaned by deletion)`,
    description: '<table><tr><th>Risk name</th><td>Trojan.Gen.NPE</td></tr></table>'.repeat(10),
    descriptionFormat: 'html',
    discoveredDate: 1_700_000_000_000 + i,
    severity: 'Low',
    incidentTypes: ['Malware'],
    properties: { sepm_computer: `WS-${i % 997}`, sepm_risk_name: 'Trojan.Gen.NPE', sepm_action: 'Quarantined' },
    artifacts: [
      { type: ArtifactTypes.systemName, value: `WS-${i % 997}` },
      { type: ArtifactTypes.ipAddress, value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      { type: ArtifactTypes.malwareFamily, value: 'Trojan.Gen.NPE' },
    ],
  };
}

/** Runs `ops` calls, `parallel` at a time; prints and returns ops/s. */
async function time(label: string, ops: number, fn: (i: number) => unknown, parallel = 1): Promise<number> {
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < ops) await fn(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = ops / seconds;
  process.stdout.write(`${label.padEnd(58)} ${rate.toFixed(0).padStart(8)} ops/s`);
  return rate;
}

function ratio(rate: number, baseline: number): void {
  process.stdout.write(`   ${(rate / baseline).toFixed(2)}× baseline\n`);
}

/** What both stores offer the bench. */
interface BenchStore {
  findOrCreateIncident: ReturnType<typeof openEmbeddedStore>['findOrCreateIncident'];
  searchIncidents(q: IncidentSearch): Promise<unknown>;
  close(): Promise<void>;
}

async function storeFigures(store: BenchStore, baseline: number, parallel: number): Promise<void> {
  const window = { mergeWindowMs: 24 * 3_600_000, now: 1_700_000_000_000 };
  const tag = parallel > 1 ? `, ${parallel} in flight` : '';
  ratio(
    await time(
      `findOrCreate → created (3 artifacts, Message-ID${tag})`,
      N,
      (i) => store.findOrCreateIncident(incident(`sep1:new-${i}`, i), { ...window, sourceMessageId: `<c${i}@b>` }),
      parallel,
    ),
    baseline,
  );
  ratio(
    await time(
      `findOrCreate → merged (${KEYS} hot keys, note${tag})`,
      N,
      (i) =>
        store.findOrCreateIncident(incident(`sep1:new-${i % KEYS}`, i + N), {
          ...window,
          sourceMessageId: `<m${i}@b>`,
        }),
      parallel,
    ),
    baseline,
  );
  ratio(
    await time(
      `findOrCreate → duplicate (replayed Message-ID${tag})`,
      N,
      (i) => store.findOrCreateIncident(incident(`sep1:new-${i}`, i), { ...window, sourceMessageId: `<c${i}@b>` }),
      parallel,
    ),
    baseline,
  );
}

/** Review-UI pages over a store filled with LIST_N incidents. */
async function listFigures(store: BenchStore): Promise<void> {
  const pages: [string, (i: number) => IncidentSearch][] = [
    ['no filter, page 1', () => ({ limit: 50 })],
    ['computer filter', (i) => ({ computer: `WS-${i % 997}`, limit: 50 })],
    ['state open + severity High', () => ({ state: 'open', severity: 'High', limit: 50 })],
    ['risk filter, page 20', () => ({ risk: 'gen.npe', limit: 50, offset: 950 })],
  ];
  for (const [label, q] of pages) {
    await time(`list ${LIST_N}: ${label}`, 50, (i) => store.searchIncidents(q(i)));
    process.stdout.write('\n');
  }
}

async function embedded(): Promise<void> {
  process.stdout.write('--- embedded (SQLite, WAL, synchronous=NORMAL)\n');
  const basePath = join(dir, 'baseline.db');
  await openEmbeddedStore(basePath).close();
  const raw = new BetterSqlite3(basePath);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const insert = raw.prepare(
    `INSERT INTO incidents (dedup_key, name, description, severity, discovered_date, created_at, updated_at, last_seen)
     VALUES (?, ?, ?, 'Low', ?, ?, ?, ?)`,
  );
  const one = raw.transaction((i: number) => insert.run(`k${i}`, `n${i}`, 'd', i, i, i, i));
  const baseline = await time('baseline: bare INSERT per IMMEDIATE tx', N, (i) => one.immediate(i));
  process.stdout.write('   1.00× baseline\n');
  raw.close();
  const store = openEmbeddedStore(join(dir, 'store.db'));
  await storeFigures(store, baseline, 1);
  await store.close();

  const listPath = join(dir, 'list.db');
  await openEmbeddedStore(listPath).close();
  const fill = new BetterSqlite3(listPath);
  const row = fill.prepare(
    `INSERT INTO incidents (dedup_key, name, description, state, severity, discovered_date, created_at, updated_at,
       last_seen, properties, computer_folded, risk_folded) VALUES (?, ?, 'd', ?, ?, ?, ?, ?, ?, ?, ?, 'trojan.gen.npe')`,
  );
  fill.transaction(() => {
    for (let i = 0; i < LIST_N; i++) {
      const c = `WS-${i % 997}`;
      const props = JSON.stringify({ sepm_computer: c, sepm_risk_name: 'Trojan.Gen.NPE' });
      const sev = ['Low', 'Medium', 'High'][i % 3];
      row.run(`k${i}`, `n${i}`, i % 4 ? 'open' : 'closed', sev, i, i, i, i, props, c.toLowerCase());
    }
  })();
  fill.close();
  const list = openEmbeddedStore(listPath);
  await listFigures(list);
  await list.close();
}

async function postgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    process.stdout.write(`--- postgres skipped: ${PG_URL} not reachable (${(err as Error).message})\n`);
    return;
  }
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const listSchema = `${schema}_list`;
  const settings = (s: string) => ({ url: PG_URL, schema: s, poolSize: 8, connectTimeoutMs: 5000 });
  try {
    process.stdout.write(`--- postgres (${PG_URL.replace(/:[^:@/]*@/, ':***@')}, pool 8)\n`);
    const store = await openPostgresStore(settings(schema));
    const one = async (i: number) => {
      await admin.query('BEGIN');
      await admin.query(
        `INSERT INTO "${schema}".incidents (dedup_key, name, description, severity, discovered_date, created_at,
           updated_at, last_seen) VALUES ($1, $2, 'd', 'Low', $3, $3, $3, $3)`,
        [`k${i}`, `n${i}`, i],
      );
      await admin.query('COMMIT');
    };
    const baseline = await time('baseline: bare INSERT per tx (one connection)', N, one);
    process.stdout.write('   1.00× baseline\n');
    await storeFigures(store, baseline, 1);
    await admin.query(`TRUNCATE "${schema}".incidents CASCADE`);
    await storeFigures(store, baseline, 8);
    await store.close();

    const list = await openPostgresStore(settings(listSchema));
    await admin.query(
      `INSERT INTO "${listSchema}".incidents (dedup_key, name, description, state, severity, discovered_date,
         created_at, updated_at, last_seen, properties, computer_folded, risk_folded)
       SELECT 'k' || i, 'n' || i, 'd', CASE WHEN i % 4 = 0 THEN 'closed' ELSE 'open' END,
              (ARRAY['Low', 'Medium', 'High'])[i % 3 + 1], i, i, i, i,
              jsonb_build_object('sepm_computer', 'WS-' || (i % 997), 'sepm_risk_name', 'Trojan.Gen.NPE'),
              'ws-' || (i % 997), 'trojan.gen.npe'
         FROM generate_series(0, $1::int - 1) AS i`,
      [LIST_N],
    );
    await admin.query(`ANALYZE "${listSchema}".incidents`);
    await listFigures(list);
    await list.close();
  } finally {
    for (const s of [schema, listSchema]) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await admin.end();
  }
}

try {
  await embedded();
  await postgres();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

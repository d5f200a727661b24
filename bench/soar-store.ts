/**
 * Embedded incident store throughput: `node --import tsx bench/soar-store.ts [incidents]`.
 * Baseline (same process, same file settings): one bare INSERT per BEGIN IMMEDIATE transaction — the least any
 * durable store must do per alert. Figures are ops/s and the ratio to that baseline; absolute numbers depend on
 * the disk, ratios much less.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ArtifactTypes } from '../src/mail/types.ts';
import { openEmbeddedStore } from '../src/soar/embedded/store.ts';
import type { NewIncident } from '../src/soar/port.ts';

const N = Number(process.argv[2] ?? 5000);
const KEYS = 50;
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

async function time(label: string, ops: number, fn: (i: number) => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = ops / seconds;
  process.stdout.write(`${label.padEnd(44)} ${rate.toFixed(0).padStart(8)} ops/s`);
  return rate;
}

function ratio(rate: number, baseline: number): void {
  process.stdout.write(`   ${(rate / baseline).toFixed(2)}× baseline\n`);
}

async function main(): Promise<void> {
  // Baseline on a store-shaped file so page size, WAL and indexes match.
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
  const window = { mergeWindowMs: 24 * 3_600_000, now: 1_700_000_000_000 };
  ratio(
    await time('findOrCreate → created (3 artifacts, Message-ID)', N, (i) =>
      store.findOrCreateIncident(incident(`sep1:new-${i}`, i), { ...window, sourceMessageId: `<c${i}@b>` }),
    ),
    baseline,
  );
  ratio(
    await time(`findOrCreate → merged (${KEYS} hot keys, note)`, N, (i) =>
      store.findOrCreateIncident(incident(`sep1:new-${i % KEYS}`, i + N), { ...window, sourceMessageId: `<m${i}@b>` }),
    ),
    baseline,
  );
  ratio(
    await time('findOrCreate → duplicate (replayed Message-ID)', N, (i) =>
      store.findOrCreateIncident(incident(`sep1:new-${i}`, i), { ...window, sourceMessageId: `<c${i}@b>` }),
    ),
    baseline,
  );
  ratio(
    await time(`searchIncidents page of 50 over ${N} (computer filter)`, 200, (i) =>
      store.searchIncidents({ computer: `WS-${i % 997}`, limit: 50 }),
    ),
    baseline,
  );
  await store.close();
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
